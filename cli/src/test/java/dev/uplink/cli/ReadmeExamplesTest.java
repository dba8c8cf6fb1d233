package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("README examples: which blocks run, and what they must do")
class ReadmeExamplesTest {

  /** The project's README (Surefire runs in the module's directory). */
  private static final Path README_FILE =
      Path.of(System.getProperty("uplink.readme", "../README.md")).toAbsolutePath();

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

  @Test
  void blocksKnowTheirHeadingsAndTheReasonTheyAreNotRun() {
    String readme =
        """
        ## Deploy

        ### Step 1

        <!-- not run on its own: needs an AWS account -->
        ```bash
        aws s3 ls
        ```

        ```
        output
        ```

        ## Try it

        ```bash
        echo one
        ```
        """;

    List<ReadmeExamples.Block> blocks = ReadmeExamples.blocks(readme);

    assertThat(blocks).hasSize(2);
    assertThat(blocks.get(0).headings()).containsExactly("Deploy", "Step 1");
    assertThat(blocks.get(0).notRunBecause()).contains("needs an AWS account");
    assertThat(blocks.get(0).isIn(List.of("Deploy"))).as("in a subsection of Deploy").isTrue();
    assertThat(blocks.get(1).headings()).containsExactly("Try it");
    assertThat(blocks.get(1).notRunBecause()).isEmpty();
    assertThat(blocks.get(1).line()).isEqualTo(16);
  }

  @Test
  @DisplayName(
      "every bash block of the README is run by a test, or says in a comment before it why not")
  void everyReadmeBlockRunsOrSaysWhyNot() throws Exception {
    List<String> run = new ArrayList<>(ReadmeExamplesIT.ON_UPLINK_LOCAL);
    run.addAll(
        List.of(
            ReadmeExamplesIT.STACK,
            ReadmeExamplesIT.DEAD_LETTERS,
            ServicesContract.README_METRICS));

    List<ReadmeExamples.Block> blocks = ReadmeExamples.blocks(Files.readString(README_FILE));

    assertThat(blocks).as("the README's bash blocks").hasSizeGreaterThan(20);
    assertThat(blocks)
        .as("blocks of the sections the tests run: none may be marked as not run")
        .filteredOn(block -> block.isIn(run))
        .allSatisfy(block -> assertThat(block.notRunBecause()).as("%s", block).isEmpty());
    assertThat(blocks)
        .as("blocks no test runs: each must say why, in <!-- not run on its own: REASON -->")
        .filteredOn(block -> !block.isIn(run))
        .allSatisfy(block -> assertThat(block.notRunBecause()).as("%s", block).isPresent());
  }
}
