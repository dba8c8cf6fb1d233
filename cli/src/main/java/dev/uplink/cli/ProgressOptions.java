package dev.uplink.cli;

import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --progress} and {@code --no-progress}: whether to draw progress bars on stderr. */
public final class ProgressOptions {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--progress",
      negatable = true,
      description =
          "Draw a progress bar on stderr (default: only when stderr is a terminal); --no-progress"
              + " never draws one.")
  private Boolean progress;

  /** A meter on stderr if progress is wanted, else one that draws nothing. */
  ProgressMeter meter() {
    boolean wanted =
        CliSettings.progressWanted(
            Optional.ofNullable(progress), UplinkCommand.environmentOf(command));
    return wanted ? ProgressMeter.on(command.commandLine().getErr()) : ProgressMeter.disabled();
  }
}
