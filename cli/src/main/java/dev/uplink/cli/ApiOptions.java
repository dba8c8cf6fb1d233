package dev.uplink.cli;

import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --api} and {@code --api-key}, for every command that talks to the API ({@code @Mixin
 * ApiOptions api;} then {@code api.client()}).
 */
public final class ApiOptions {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--api",
      paramLabel = "URL",
      description =
          "The API's URL (default: $"
              + CliSettings.API_URL_VARIABLE
              + ", else http://127.0.0.1:8080, where ./uplink local serves it).")
  private String api;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description =
          "The API key (default: $"
              + CliSettings.API_KEY_VARIABLE
              + "; prefer the variable, other users of this machine can see arguments).")
  private String apiKey;

  /**
   * The settings these flags and the environment give.
   *
   * @throws ParameterException (exit 2) if a URL or key is unusable
   */
  public CliSettings settings() {
    try {
      return CliSettings.resolve(
          Optional.ofNullable(api),
          Optional.ofNullable(apiKey),
          UplinkCommand.environmentOf(command).variables());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(command.commandLine(), e.getMessage());
    }
  }

  /** A client for the API these settings name. */
  public ApiClient client() {
    return ApiClient.connect(settings());
  }
}
