package dev.uplink.infra.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code cfn-lint} (with the SAM translator) finds nothing in {@code template.yaml}. Skipped with a
 * message where cfn-lint is not installed, except under {@code CI=true}, where it must run.
 */
class CfnLintTest {

  private static final Path TEMPLATE = Path.of("..", "template.yaml");

  @Test
  void cfnLintReportsNothing() throws Exception {
    Process lint;
    try {
      lint =
          new ProcessBuilder("cfn-lint", "--format", "parseable", TEMPLATE.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      assumeThat("true".equals(System.getenv("CI")))
          .as("cfn-lint is not installed (pip install cfn-lint): %s", e.getMessage())
          .isTrue();
      throw e;
    }
    assertThat(Files.exists(TEMPLATE)).isTrue();
    String output = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(lint.waitFor(120, TimeUnit.SECONDS)).as("cfn-lint finished").isTrue();
    assertThat(output).as("cfn-lint's findings").isEmpty();
    assertThat(lint.exitValue()).isZero();
  }
}
