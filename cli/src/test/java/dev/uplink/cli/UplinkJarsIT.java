package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The command line's two forms: uplink.jar, runnable without the emulators, and target/local/, the
 * class path of unmodified jars that {@code uplink local} runs with them.
 */
@DisplayName("uplink.jar and target/local/")
class UplinkJarsIT {

  /** What only the emulators bring, by package: none of it belongs in the thin jar. */
  private static final List<String> EMULATOR_PACKAGES =
      List.of(
          "org/elasticmq/",
          "com/amazonaws/services/dynamodbv2/local/",
          "org/gaul/s3proxy/",
          "org/apache/pekko/",
          "scala/",
          "com/almworks/sqlite4java/",
          "org/h2/");

  /**
   * 37 MB when set (the shaded jar with the emulators was 126 MB); most of it is the services'
   * (Jetty, Javalin, the AWS SDK), which uplink api and uplink processor need.
   */
  private static final long THIN_BUDGET_BYTES = 40_000_000;

  @Test
  @DisplayName("uplink.jar carries no emulator, target/local/ has all three, each its own jar")
  void theThinJarLeavesTheEmulatorsToTheLocalClassPath() throws IOException {
    assertThat(entriesUnder(UplinkJar.JAR, EMULATOR_PACKAGES)).isEmpty();
    assertThat(Files.size(UplinkJar.JAR)).isLessThanOrEqualTo(THIN_BUDGET_BYTES);
    assertThat(UplinkJar.LOCAL_DIR.resolve("uplink-cli.jar")).isRegularFile();
    try (Stream<Path> jars = Files.list(UplinkJar.LOCAL_DIR)) {
      assertThat(jars.map(jar -> jar.getFileName().toString()))
          .anyMatch(name -> name.startsWith("DynamoDBLocal-"))
          .anyMatch(name -> name.startsWith("elasticmq-rest-sqs_2.13-"))
          .anyMatch(name -> name.startsWith("s3proxy-"));
    }
  }

  @Test
  @DisplayName("uplink.jar local says how to run uplink local instead of failing on a class")
  void localFromTheThinJarNamesTheLocalJar() {
    UplinkJar.Run run = UplinkJar.run(Map.of(), "local");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.stderr()).contains("./uplink local").doesNotContain("NoClassDefFoundError");
    assertThat(run.stdout()).isEmpty();
  }

  private static List<String> entriesUnder(Path jar, List<String> packages) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.stream()
          .map(entry -> entry.getName())
          .filter(name -> packages.stream().anyMatch(name::startsWith))
          .limit(10)
          .toList();
    }
  }
}
