package dev.uplink.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
      assertThat(Destination.parse("web", "/srv/a", "7777", null, null).mode()).isEqualTo(07777);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0999", "8", "12345", "rw-r--r--", "-1", "0x1FF"})
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
}
