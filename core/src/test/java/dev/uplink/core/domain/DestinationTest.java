package dev.uplink.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationTest {

  @Nested
  class InstanceNames {

    @ParameterizedTest
    @ValueSource(
        strings = {
          "c",
          "web-1",
          "A1b2",
          "a23456789012345678901234567890123456789012345678901234567890123"
        })
    void validIncusNamesAreAccepted(String name) {
      assertThat(Destination.of(name, "/srv/a.txt").instance()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "1web",
          "-web",
          "web-",
          "we_b",
          "we.b",
          "we b",
          "wéb",
          "a234567890123456789012345678901234567890123456789012345678901234"
        })
    void invalidNamesAreRefusedNamingTheContainerField(String name) {
      assertThatThrownBy(() -> Destination.of(name, "/srv/a.txt"))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("container"));
    }
  }

  @Nested
  class Paths {

    @ParameterizedTest
    @ValueSource(strings = {"/a", "/srv/uploads/file.bin", "/srv/.hidden", "/srv/a..b", "/x/y z"})
    void absoluteNormalisedPathsAreAccepted(String path) {
      assertThat(Destination.of("web", path).path()).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "relative.txt",
          "/",
          "/srv/",
          "/srv//a",
          "/srv/./a",
          "/srv/../etc/passwd",
          "/..",
          "/srv/a\u0000b",
          "/srv/a\nb"
        })
    void unsafeOrAmbiguousPathsAreRefusedNamingThePathField(String path) {
      assertThatThrownBy(() -> Destination.of("web", path))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("path"));
    }

    @Test
    void givenASegmentOf255Bytes_whenConstructed_thenAccepted() {
      String longest = "/srv/" + "a".repeat(255) + "/" + "é".repeat(127) + "x";

      assertThat(Destination.of("web", longest).path()).isEqualTo(longest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "é", "\u6587", "\uD83D\uDCE6"})
    void givenASegmentOver255BytesInUtf8_whenConstructed_thenRefusedSayingWhichAndHowLong(
        String character) {
      int bytes = character.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      String segment = character.repeat(255 / bytes + 1);
      String path = "/srv/" + segment + "/file.bin";

      assertThatThrownBy(() -> Destination.of("web", path))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("path");
                assertThat(e.getMessage())
                    .contains("255 bytes")
                    .contains(
                        Integer.toString(
                            segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
              });
    }

    @Test
    void givenAPathOf4095Bytes_whenConstructed_thenAccepted() {
      String path = pathOfBytes(4095);

      assertThat(Destination.of("web", path).path()).hasSize(4095);
    }

    @ParameterizedTest
    @ValueSource(ints = {4096, 4097, 5000})
    void givenAPathOf4096BytesOrMore_whenConstructed_thenRefusedNamingThePathField(int bytes) {
      String path = pathOfBytes(bytes);

      assertThatThrownBy(() -> Destination.of("web", path))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("path");
                assertThat(e.getMessage()).contains("4095 bytes");
              });
    }

    @Test
    void givenAPathUnder4096CharactersButOver4095BytesInUtf8_whenConstructed_thenRefused() {
      String path = "/" + String.join("/", java.util.Collections.nCopies(20, "é".repeat(110)));

      assertThat(path.length()).as("characters").isLessThan(4096);
      assertThatThrownBy(() -> Destination.of("web", path))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("path"));
    }

    /** An absolute path of exactly {@code bytes} ASCII bytes: segments of 200, the first longer. */
    private static String pathOfBytes(int bytes) {
      int full = (bytes - 2) / 201;
      var path = new StringBuilder("/").append("f".repeat(bytes - 201 * full - 1));
      for (int i = 0; i < full; i++) {
        path.append('/').append("p".repeat(200));
      }
      return path.toString();
    }

    @Test
    void parentDirectoriesAreListedOutermostFirst() {
      assertThat(Destination.of("web", "/srv/a/b/file").parentDirectories())
          .containsExactly("/srv", "/srv/a", "/srv/a/b");
      assertThat(Destination.of("web", "/file").parentDirectories()).isEmpty();
    }
  }

  @Nested
  class Parsing {

    @Test
    void absentModeUidAndGidTakeTheDefaults() {
      var destination = Destination.parse("web", "/srv/a", null, "", null);
      assertThat(destination)
          .isEqualTo(new Destination("web", "/srv/a", 0644, 0, 0))
          .extracting(Destination::octalMode)
          .isEqualTo("0644");
    }

    @Test
    void modeIsOctal() {
      assertThat(Destination.parse("web", "/srv/a", "0755", "1000", "1000"))
          .isEqualTo(new Destination("web", "/srv/a", 0755, 1000, 1000));
      assertThat(Destination.parse("web", "/srv/a", "0777", null, null).mode()).isEqualTo(0777);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"0999", "8", "64", "00644", "12345", "rw-r--r--", "-1", "0x1FF", " 0640"})
    void badModesAreRefusedNamingTheModeField(String mode) {
      assertThatThrownBy(() -> Destination.parse("web", "/srv/a", mode, null, null))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("mode"));
    }

    @Test
    void badIdsAreRefusedNamingTheirField() {
      assertThatThrownBy(() -> Destination.parse("web", "/srv/a", null, "root", null))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("uid"));
      assertThatThrownBy(() -> Destination.parse("web", "/srv/a", null, null, "-5"))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("gid"));
    }

    @Test
    void missingContainerOrPathIsRequired() {
      assertThatThrownBy(() -> Destination.parse(null, "/srv/a", null, null, null))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("container");
                assertThat(e.reason()).isEqualTo("is required");
              });
      assertThatThrownBy(() -> Destination.parse("web", " ", null, null, null))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("path"));
    }
  }

  @Nested
  class Modes {

    private static final String SPECIAL_BITS_REFUSED =
        "must be between 0000 and 0777: Incus cannot set setuid, setgid or sticky bits";

    @ParameterizedTest
    @CsvSource({"0600, 0600", "0640, 0640", "0755, 0755", "0700, 0700", "640, 0640", "000, 0"})
    void givenAModeWithoutSpecialBits_whenParsed_thenItIsKeptExactly(String text, String octal) {
      var destination = Destination.parse("web", "/srv/a", text, "1000", "1000");

      assertThat(destination.mode()).isEqualTo(Integer.parseInt(octal, 8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4755", "2750", "1777", "04755", "02750", "01777", "7777", "6755"})
    void givenASetuidSetgidOrStickyMode_whenParsed_thenItIsRefusedSayingIncusCannotSetIt(
        String mode) {
      assertThatThrownBy(() -> Destination.parse("web", "/srv/a", mode, null, null))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("mode");
                assertThat(e.reason()).isEqualTo(SPECIAL_BITS_REFUSED + " (got " + mode + ")");
              });
    }

    @Test
    void givenMode4755_whenParsed_thenTheMessageNamesTheFieldTheRangeAndTheReason() {
      assertThatThrownBy(() -> Destination.parse("web", "/srv/a", "4755", null, null))
          .hasMessage(
              "mode: must be between 0000 and 0777:"
                  + " Incus cannot set setuid, setgid or sticky bits (got 4755)");
    }

    @ParameterizedTest
    @ValueSource(ints = {04755, 02750, 01777, 01000, 07777})
    void givenASpecialBit_whenConstructed_thenItLoadsButIsNotDeliverable(int mode) {
      var stored = new Destination("web", "/srv/a", mode, 0, 0);

      assertThat(stored.mode()).as("a stored task still loads").isEqualTo(mode);
      assertThatThrownBy(stored::requireDeliverable)
          .isInstanceOfSatisfying(
              InvalidDestinationException.class,
              e -> {
                assertThat(e.field()).isEqualTo("mode");
                assertThat(e.reason())
                    .isEqualTo(SPECIAL_BITS_REFUSED + " (got %04o)".formatted(mode));
              });
    }

    @Test
    void givenAnOverlongNameOrPath_whenConstructed_thenItLoadsButIsNotDeliverable() {
      var longName = new Destination("web", "/srv/" + "n".repeat(256), 0644, 0, 0);
      var longPath = new Destination("web", "/srv" + "/abcdefgh".repeat(460), 0644, 0, 0);

      for (Destination stored : List.of(longName, longPath)) {
        assertThatThrownBy(stored::requireDeliverable)
            .isInstanceOfSatisfying(
                InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("path"));
      }
      assertThat(new Destination("web", "/srv/" + "n".repeat(255), 0777, 0, 0).requireDeliverable())
          .isNotNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 010000, Integer.MAX_VALUE})
    void givenANumberThatIsNoMode_whenConstructed_thenItIsRefusedOnTheModeField(int mode) {
      assertThatThrownBy(() -> new Destination("web", "/srv/a", mode, 0, 0))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class,
              e -> assertThat(e.reason()).startsWith("must be between 0000 and 0777"));
    }

    @Test
    void givenEveryModeUpTo0777_whenConstructed_thenItIsAccepted() {
      for (int mode = 0; mode <= Destination.MAX_MODE; mode++) {
        assertThat(new Destination("web", "/srv/a", mode, 0, 0).mode()).isEqualTo(mode);
      }
    }

    @ParameterizedTest
    @CsvSource({"0640, 0640", "0, 0000", "0777, 0777", "07, 0007", "0644, 0644"})
    void givenAMode_whenWrittenForIncus_thenItIsALeadingZeroAndThreeOctalDigits(
        String mode, String expected) {
      var destination = new Destination("web", "/srv/a", Integer.parseInt(mode, 8), 0, 0);

      assertThat(destination.octalMode()).isEqualTo(expected).matches("0[0-7]{3}");
    }
  }

  @Nested
  class RemotesAndProjects {

    @Test
    void givenNeither_thenTheDefaultRemoteAndTheDefaultProject() {
      Destination d = Destination.parse("web", "/srv/a", null, null, null);

      assertThat(d.remote()).isEmpty();
      assertThat(d.onDefaultRemote()).isTrue();
      assertThat(d.project()).isEqualTo("default");
      assertThat(d.qualifiedInstance()).isEqualTo("web");
    }

    @Test
    void givenRemoteColonInstanceAndAProject_whenParsed_thenEachIsKept() {
      Destination d = Destination.parse("lab:web-1", "team-a", "/srv/a", "0600", "1000", "1000");

      assertThat(d.remote()).isEqualTo("lab");
      assertThat(d.project()).isEqualTo("team-a");
      assertThat(d.instance()).isEqualTo("web-1");
      assertThat(d.qualifiedInstance()).isEqualTo("lab:web-1");
    }

    @ParameterizedTest
    @CsvSource({
      "':web', , remote",
      "'la b:web', , remote",
      "'lab:', , container",
      "'lab:x:y', , container",
      "web, 'team/a', project",
      "web, '-a', project",
      "web, 'é', project"
    })
    void givenABadRemoteOrProject_whenParsed_thenRefusedNamingTheField(
        String instance, String project, String field) {
      assertThatThrownBy(() -> Destination.parse(instance, project, "/srv/a", null, null, null))
          .isInstanceOfSatisfying(
              InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void givenARemoteAndAProject_thenNamedAsGrantsNameThem() {
      Destination d = Destination.parse("lab:web", "team-a", "/srv/a", null, null, null);

      assertThat(d.instanceAsGranted()).isEqualTo("lab:team-a/web");
      assertThat(d.qualifiedPath()).isEqualTo("lab:team-a/web:/srv/a");
      assertThat(Destination.of("web", "/srv/a").qualifiedPath()).isEqualTo("web:/srv/a");
    }

    @Test
    void givenABlankProject_thenTheDefaultProject() {
      assertThat(Destination.parse("web", " ", "/srv/a", null, null, null).project())
          .isEqualTo("default");
    }
  }

  @Test
  void theQualifiedPathNamesTheRemoteAndProjectOnlyWhenNotTheDefaultOnes() {
    Destination plain = Destination.of("web", "/srv/a");
    assertThat(plain.qualifiedPath()).isEqualTo("web:/srv/a");
    assertThat(plain.on(null, "team-a").qualifiedPath()).isEqualTo("team-a/web:/srv/a");
    assertThat(plain.on("lab", "team-a").qualifiedPath()).isEqualTo("lab:team-a/web:/srv/a");
    assertThat(plain.on("lab", null).qualifiedPath()).isEqualTo("lab:web:/srv/a");
  }
}
