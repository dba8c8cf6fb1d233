package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Incus remotes: UPLINK_INCUS_REMOTES and each remote's variables")
class IncusRemotesTest {

  private static final Map<String, String> LAB_HTTPS =
      Map.of(
          "UPLINK_INCUS_REMOTES", "lab",
          "UPLINK_INCUS_REMOTE_LAB_URL", "https://lab.example:8443",
          "UPLINK_INCUS_REMOTE_LAB_CERT", "/etc/uplink/lab/client.crt",
          "UPLINK_INCUS_REMOTE_LAB_KEY", "/etc/uplink/lab/client.key",
          "UPLINK_INCUS_REMOTE_LAB_SERVER_CERT", "/etc/uplink/lab/server.crt");

  private static UplinkConfig read(Map<String, String> env) {
    return UplinkConfig.fromEnvironment(env, SecretSource.none());
  }

  private static Map<String, String> plus(Map<String, String> env, String... pairs) {
    var all = new HashMap<>(env);
    for (int i = 0; i < pairs.length; i += 2) {
      all.put(pairs[i], pairs[i + 1]);
    }
    return all;
  }

  @Nested
  @DisplayName("names and settings")
  class NamesAndSettings {

    @Test
    @DisplayName("without UPLINK_INCUS_REMOTES there is only the default remote")
    void noRemotesByDefault() {
      IncusRemotes remotes = read(Map.of()).remotes();

      assertThat(remotes.names()).isEmpty();
      assertThat(remotes.knows("")).as("the default remote").isTrue();
      assertThat(remotes.knows("lab")).isFalse();
    }

    @Test
    @DisplayName(
        "a named HTTPS remote is read from its own variables, the default server untouched")
    void aNamedHttpsRemoteHasItsOwnVariables() {
      UplinkConfig config =
          read(plus(LAB_HTTPS, "UPLINK_INCUS_URL", "unix:///var/lib/incus/unix.socket"));

      IncusSettings lab = config.remotes().settingsOf("lab");
      assertThat(lab.url()).isEqualTo(URI.create("https://lab.example:8443"));
      assertThat(lab.clientCert().origin()).isEqualTo("/etc/uplink/lab/client.crt");
      assertThat(lab.clientKey().origin()).isEqualTo("/etc/uplink/lab/client.key");
      assertThat(lab.serverCert().origin()).isEqualTo("/etc/uplink/lab/server.crt");
      assertThat(config.incus().orElseThrow().isUnixSocket()).as("the default remote").isTrue();
      assertThat(config.remotes().knows("lab")).isTrue();
    }

    @Test
    @DisplayName("names are upper-cased with '-' and '.' as '_' in their variables")
    void namesMapToVariables() {
      UplinkConfig config =
          read(
              Map.of(
                  "UPLINK_INCUS_REMOTES", "edge-1, dc.two",
                  "UPLINK_INCUS_REMOTE_EDGE_1_URL", "unix:///run/edge.socket",
                  "UPLINK_INCUS_REMOTE_DC_TWO_URL", "unix:///run/two.socket"));

      assertThat(config.remotes().names()).containsExactly("edge-1", "dc.two");
      assertThat(config.remotes().settingsOf("edge-1").socketPath())
          .isEqualTo(Path.of("/run/edge.socket"));
      assertThat(config.remotes().settingsOf("dc.two").socketPath())
          .isEqualTo(Path.of("/run/two.socket"));
    }

    @Test
    @DisplayName("a remote's PEMs may come from secrets, like the default server's")
    void pemsFromSecrets() {
      UplinkConfig config =
          UplinkConfig.fromEnvironment(
              Map.of(
                  "UPLINK_INCUS_REMOTES", "lab",
                  "UPLINK_INCUS_REMOTE_LAB_URL", "https://lab.example:8443",
                  "UPLINK_INCUS_REMOTE_LAB_CERT_SECRET", "secretsmanager:lab-cert",
                  "UPLINK_INCUS_REMOTE_LAB_KEY_SECRET", "secretsmanager:lab-key",
                  "UPLINK_INCUS_REMOTE_LAB_SERVER_CERT_SECRET", "ssm:/lab/server"),
              reference -> "PEM of " + reference.id());

      assertThat(config.remotes().settingsOf("lab").clientKey().origin())
          .isEqualTo("Secrets Manager secret lab-key");
      assertThat(config.remotes().toString())
          .as("the string form shows names and URLs, never a PEM")
          .isEqualTo("[lab=https://lab.example:8443]")
          .doesNotContain("PEM of");
    }

    @Test
    @DisplayName(
        "the API is given the names only: a remote without a URL is known but unconfigured")
    void namesOnlyForTheApi() {
      IncusRemotes remotes = read(Map.of("UPLINK_INCUS_REMOTES", "lab,edge")).remotes();

      assertThat(remotes.knows("edge")).isTrue();
      assertThat(remotes.servers()).isEmpty();
      assertThatThrownBy(remotes::requireAll)
          .as("the processor must reach every remote")
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_REMOTE_LAB_URL is required: UPLINK_INCUS_REMOTES names the remote lab,"
                  + " and the processor must reach it");
    }

    @Test
    @DisplayName("UPLINK_INCUS_DEFAULT_REMOTE makes a named remote the default one")
    void aNamedDefaultRemote() {
      UplinkConfig config = read(plus(LAB_HTTPS, "UPLINK_INCUS_DEFAULT_REMOTE", "lab"));

      assertThat(config.incus()).contains(config.remotes().settingsOf("lab"));
      assertThat(config.remotes().defaultRemote()).contains("lab");
    }
  }

  @Nested
  @DisplayName("misconfigurations: one line naming the variable")
  class Misconfigurations {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
        delimiter = '|',
        textBlock =
            """
            lab,,edge  | UPLINK_INCUS_REMOTES must be remote names separated by commas, got 'lab,,edge'
            lab,-x     | UPLINK_INCUS_REMOTES: remote name '-x' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit
            lab,LAB    | UPLINK_INCUS_REMOTES names lab and LAB, which both take the variables UPLINK_INCUS_REMOTE_LAB_*: rename one
            Default    | UPLINK_INCUS_REMOTES: 'default' is what logs and metrics call the default remote: give the remote another name
            a-b,a.b    | UPLINK_INCUS_REMOTES names a-b and a.b, which both take the variables UPLINK_INCUS_REMOTE_A_B_*: rename one
            """)
    @DisplayName("names that are malformed or map to the same variables are refused")
    void badNames(String names, String message) {
      assertThatThrownBy(() -> read(Map.of("UPLINK_INCUS_REMOTES", names)))
          .isInstanceOf(ConfigException.class)
          .hasMessage(message);
    }

    @Test
    @DisplayName("a variable of a remote that is not named is refused, not ignored")
    void aVariableOfAnUnknownRemote() {
      assertThatThrownBy(
              () ->
                  read(
                      Map.of(
                          "UPLINK_INCUS_REMOTES", "lab",
                          "UPLINK_INCUS_REMOTE_LAB_URL", "unix:///run/lab.socket",
                          "UPLINK_INCUS_REMOTE_LBA_URL", "unix:///run/lba.socket")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_REMOTE_LBA_URL is not a setting of any remote UPLINK_INCUS_REMOTES"
                  + " names ([lab]): each remote NAME has UPLINK_INCUS_REMOTE_NAME_URL, _CERT, _KEY"
                  + " and _SERVER_CERT");
    }

    @Test
    @DisplayName("an HTTPS remote without a certificate names the missing variable")
    void aMissingCertificate() {
      var env = new HashMap<>(LAB_HTTPS);
      env.remove("UPLINK_INCUS_REMOTE_LAB_KEY");

      assertThatThrownBy(() -> read(env))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_REMOTE_LAB_KEY (a PEM file) or UPLINK_INCUS_REMOTE_LAB_KEY_SECRET (a"
                  + " secret holding the PEM) is required when UPLINK_INCUS_REMOTE_LAB_URL is set");
    }

    @Test
    @DisplayName("certificates without the remote's URL are refused")
    void certificatesWithoutUrl() {
      var env = new HashMap<>(LAB_HTTPS);
      env.remove("UPLINK_INCUS_REMOTE_LAB_URL");

      assertThatThrownBy(() -> read(env))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_REMOTE_LAB_CERT is set but UPLINK_INCUS_REMOTE_LAB_URL is not: set the"
                  + " remote's URL too");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
        delimiter = '|',
        textBlock =
            """
            http://lab:8443 | UPLINK_INCUS_REMOTE_LAB_URL must be an https:// URL or unix:///path/to/unix.socket, got http://lab:8443
            unix:lab.socket | UPLINK_INCUS_REMOTE_LAB_URL must name the socket by its absolute path, like unix:///var/lib/incus/unix.socket, got 'unix:lab.socket'
            lab:8443        | UPLINK_INCUS_REMOTE_LAB_URL must be an absolute URL, got 'lab:8443'
            """)
    @DisplayName("a bad URL names the remote's URL variable")
    void badUrls(String url, String message) {
      assertThatThrownBy(
              () -> read(Map.of("UPLINK_INCUS_REMOTES", "lab", "UPLINK_INCUS_REMOTE_LAB_URL", url)))
          .isInstanceOf(ConfigException.class)
          .hasMessage(message);
    }

    @Test
    @DisplayName("a default remote that is not named, or beside UPLINK_INCUS_URL, is refused")
    void badDefaultRemote() {
      assertThatThrownBy(() -> read(plus(LAB_HTTPS, "UPLINK_INCUS_DEFAULT_REMOTE", "edge")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_DEFAULT_REMOTE names edge, which UPLINK_INCUS_REMOTES does not list ([lab])");
      assertThatThrownBy(
              () ->
                  read(
                      plus(
                          LAB_HTTPS,
                          "UPLINK_INCUS_DEFAULT_REMOTE",
                          "lab",
                          "UPLINK_INCUS_URL",
                          "unix:///var/lib/incus/unix.socket")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_DEFAULT_REMOTE (lab) and UPLINK_INCUS_URL are both set: the default"
                  + " remote is one or the other");
    }
  }

  @Nested
  @DisplayName("the remotes file")
  class RemotesFile {

    @Test
    @DisplayName("holds the remotes' variables, one per line, with comments")
    void fileHoldsTheVariables(@TempDir Path dir) throws Exception {
      Path file = dir.resolve("remotes.env");
      Files.writeString(
          file,
          """
          # the lab cluster, through its first member
          UPLINK_INCUS_REMOTE_LAB_URL=https://lab.example:8443
          UPLINK_INCUS_REMOTE_LAB_CERT=/etc/uplink/lab/client.crt
          UPLINK_INCUS_REMOTE_LAB_KEY_SECRET=secretsmanager:lab-key
          UPLINK_INCUS_REMOTE_LAB_SERVER_CERT=/etc/uplink/lab/server.crt

          UPLINK_INCUS_REMOTE_EDGE_URL=unix:///run/edge.socket
          """);

      UplinkConfig config =
          UplinkConfig.fromEnvironment(
              Map.of(
                  "UPLINK_INCUS_REMOTES", "lab,edge", "UPLINK_INCUS_REMOTES_FILE", file.toString()),
              reference -> "PEM");

      assertThat(config.remotes().settingsOf("lab").clientKey().origin())
          .isEqualTo("Secrets Manager secret lab-key");
      assertThat(config.remotes().settingsOf("edge").isUnixSocket()).isTrue();
    }

    @Test
    @DisplayName("may be the text of a secret, for a Lambda, which has no file")
    void fileFromASecret() {
      UplinkConfig config =
          UplinkConfig.fromEnvironment(
              Map.of(
                  "UPLINK_INCUS_REMOTES", "edge",
                  "UPLINK_INCUS_REMOTES_FILE_SECRET", "ssm:/uplink/remotes"),
              reference -> "UPLINK_INCUS_REMOTE_EDGE_URL=unix:///run/edge.socket\n");

      assertThat(config.remotes().settingsOf("edge").socketPath())
          .isEqualTo(Path.of("/run/edge.socket"));
    }

    @Test
    @DisplayName("refuses other lines without echoing them (they may be a pasted key)")
    void refusesOtherLines(@TempDir Path dir) throws Exception {
      Path file = dir.resolve("remotes.env");
      Files.writeString(
          file, "UPLINK_INCUS_REMOTE_LAB_URL=unix:///run/lab.socket\nMIIEvQIBADANBgkq\n");

      assertThatThrownBy(
              () ->
                  read(
                      Map.of(
                          "UPLINK_INCUS_REMOTES",
                          "lab",
                          "UPLINK_INCUS_REMOTES_FILE",
                          file.toString())))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("UPLINK_INCUS_REMOTES_FILE " + file + ", line 2 is not")
          .hasMessageNotContaining("MIIE");
    }

    @Test
    @DisplayName("a variable set both in the file and in the environment is refused")
    void setTwice(@TempDir Path dir) throws Exception {
      Path file = dir.resolve("remotes.env");
      Files.writeString(file, "UPLINK_INCUS_REMOTE_LAB_URL=unix:///run/lab.socket\n");

      assertThatThrownBy(
              () ->
                  read(
                      Map.of(
                          "UPLINK_INCUS_REMOTES", "lab",
                          "UPLINK_INCUS_REMOTE_LAB_URL", "unix:///run/other.socket",
                          "UPLINK_INCUS_REMOTES_FILE", file.toString())))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_REMOTE_LAB_URL is set both in the environment and in"
                  + " UPLINK_INCUS_REMOTES_FILE "
                  + file
                  + ": set it in one");
    }

    @Test
    @DisplayName("an unreadable file names the variable and the path")
    void unreadable(@TempDir Path dir) {
      Path missing = dir.resolve("nope.env");
      assertThatThrownBy(
              () ->
                  read(
                      Map.of(
                          "UPLINK_INCUS_REMOTES",
                          "lab",
                          "UPLINK_INCUS_REMOTES_FILE",
                          missing.toString())))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(
              "UPLINK_INCUS_REMOTES_FILE names " + missing + ", which cannot be read");
    }
  }

  @Test
  @DisplayName("remotes given as settings are each known by name")
  void ofSettings() {
    IncusRemotes remotes =
        IncusRemotes.of(Map.of("edge", IncusSettings.unixSocket(Path.of("/run/edge.socket"))));

    assertThat(remotes.names()).isEqualTo(List.of("edge"));
    assertThat(remotes.requireAll()).containsOnlyKeys("edge");
  }
}
