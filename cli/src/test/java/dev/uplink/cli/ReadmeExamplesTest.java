package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("README examples: which blocks run, and what they must do")
class ReadmeExamplesTest {

  private static final String README =
      """
      # Title

      ## Try it

      ```bash
      echo one
      ```

      ```
      output, not a bash block
      ```

      ## Other

      ```bash
      echo other
      ```

      ## Operating

      ### Dead letters

      ```bash
      echo two
      ```

      #### Deeper

      ```bash
      echo three
      ```

      ### Next

      ```bash
      echo next
      ```
      """;

  @Test
  void theBashBlocksOfTheChosenSectionsAndTheirSubsectionsInReadmeOrder() {
    List<ReadmeExamples.Example> examples =
        ReadmeExamples.in(README, List.of("Try it", "Dead letters"));

    assertThat(examples)
        .extracting(ReadmeExamples.Example::toString)
        .containsExactly(
            "README section \"Try it\", example 1 (echo one)",
            "README section \"Dead letters\", example 1 (echo two)",
            "README section \"Dead letters\", example 2 (echo three)");
  }

  @Test
  void aMissingSectionFailsRatherThanRunningNothing() {
    assertThatThrownBy(() -> ReadmeExamples.in(README, List.of("Try it", "Renamed")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("\"Renamed\"");
  }

  @Test
  void aCommandCommentedExitNMustExitN() {
    assertThat(ReadmeExamples.withChecks("./uplink retry \"$A\"     # exit 1 here (it is DONE)\n"))
        .isEqualTo("__exits 1 ./uplink retry \"$A\"\n");
    assertThat(ReadmeExamples.withChecks("./uplink status \"$ID\" --wait  # until DONE (exit 1)\n"))
        .as("exit mentioned later in the comment is a description, not an expectation")
        .isEqualTo("./uplink status \"$ID\" --wait  # until DONE (exit 1)\n");
  }

  @Test
  void aCommandShownAnsweringAProblemMustAnswerIt() {
    String code =
        """
        curl -sS -X POST "$API?path=/x" \\
          -H "$AUTH" -T /tmp/demo.bin
        # 400 {"type":"https://uplink.dev/problems/invalid-destination","title":"Invalid destination",
        #      "field":"path"}
        """;

    assertThat(ReadmeExamples.withChecks(code))
        .startsWith(
            "__answers https://uplink.dev/problems/invalid-destination curl -sS -X POST \"$API?path=/x\" \\\n"
                + "  -H \"$AUTH\" -T /tmp/demo.bin\n");
  }

  @Test
  void givenTheScript_whenAnExampleFails_thenTheShellStopsThereAndItsIndexIsRecorded(
      @TempDir Path dir) throws Exception {
    var examples =
        List.of(
            new ReadmeExamples.Example("S", 1, "false   # exit 1\necho first > out\n"),
            new ReadmeExamples.Example("S", 2, "WORD=@@\n[ \"$WORD\" = replaced ] || exit 3\n"),
            new ReadmeExamples.Example("S", 3, "true   # exit 1\n"),
            new ReadmeExamples.Example("S", 4, "echo never > out\n"));
    Path progress = dir.resolve("progress");

    Process shell =
        new ProcessBuilder(
                "bash", "-c", ReadmeExamples.script(examples, Map.of("@@", "replaced"), progress))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();

    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(shell.exitValue()).as("an exit 1 that exited 0 fails the script").isNotZero();
    assertThat(Files.readString(progress).strip()).as("the failed example's index").isEqualTo("2");
    assertThat(Files.readString(dir.resolve("out"))).isEqualTo("first\n");
  }

  @Test
  void givenTheScript_whenAProblemIsExpectedButTheCommandSucceeds_thenItFails(@TempDir Path dir)
      throws Exception {
    var example =
        new ReadmeExamples.Example(
            "S",
            1,
            "echo '{\"type\":\"https://uplink.dev/problems/x\"}'\n# 400 {\"type\":\"x\"}\n");

    Process shell =
        new ProcessBuilder(
                "bash", "-c", ReadmeExamples.script(List.of(example), Map.of(), dir.resolve("p")))
            .redirectErrorStream(true)
            .start();

    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(shell.getInputStream().readAllBytes()))
        .contains("expected a failure answering x, got exit 0");
    assertThat(shell.exitValue()).isNotZero();
  }
}
