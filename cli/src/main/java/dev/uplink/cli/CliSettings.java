package dev.uplink.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the API is and the key to present: from the command-line flags first, then the environment,
 * then the defaults. The only place the CLI reads environment variables (also {@link
 * #progressWanted}). {@link #toString()} never shows the key.
 *
 * @param apiUrl the API's base URL, without a trailing {@code /v1/uploads} or slash
 * @param apiKey the API key, if one was given
 */
public record CliSettings(URI apiUrl, Optional<String> apiKey) {

  /** Where {@code ./uplink local} serves the API. */
  public static final URI DEFAULT_API_URL = URI.create("http://127.0.0.1:8080");

  public static final String API_URL_VARIABLE = "UPLINK_API_URL";
  public static final String API_KEY_VARIABLE = "UPLINK_API_KEY";

  private static final String UPLOADS_PATH = "/v1/uploads";

  public CliSettings {
    Objects.requireNonNull(apiUrl, "apiUrl");
    Objects.requireNonNull(apiKey, "apiKey");
  }

  /**
   * The settings from {@code --api} and {@code --api-key} (each empty when not given) and the
   * environment.
   *
   * @throws IllegalArgumentException naming the flag or variable whose value is unusable (the
   *     message never contains the key)
   */
  public static CliSettings resolve(
      Optional<String> apiFlag, Optional<String> apiKeyFlag, Map<String, String> environment) {
    Optional<String> url = apiFlag.or(() -> nonBlank(environment.get(API_URL_VARIABLE)));
    String urlSource = apiFlag.isPresent() ? "--api" : API_URL_VARIABLE;
    URI apiUrl = url.map(u -> parseApiUrl(u.strip(), urlSource)).orElse(DEFAULT_API_URL);

    Optional<String> key =
        apiKeyFlag.or(() -> nonBlank(environment.get(API_KEY_VARIABLE))).map(String::strip);
    String keySource = apiKeyFlag.isPresent() ? "--api-key" : API_KEY_VARIABLE;
    key.ifPresent(k -> requireHeaderSafe(k, keySource));

    return new CliSettings(apiUrl, key);
  }

  /**
   * Whether to draw a progress bar: as {@code --progress} or {@code --no-progress} say, else when
   * stderr is a terminal that can redraw a line ({@code TERM} is not {@code dumb}).
   */
  public static boolean progressWanted(Optional<Boolean> flag, Environment environment) {
    return flag.orElseGet(
        () ->
            environment.stderrIsTerminal() && !"dumb".equals(environment.variables().get("TERM")));
  }

  /**
   * Accepts the base URL with or without {@code /v1/uploads} (what {@code ./uplink local} prints)
   * and a trailing slash; an API behind a path prefix (an API Gateway stage) keeps its prefix.
   */
  static URI parseApiUrl(String value, String source) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(source + " is not a URL: " + value);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          source + " must be an http:// or https:// URL with a host, got: " + value);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          source + " must not have a query or fragment, got: " + value);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.endsWith(UPLOADS_PATH)) {
      path = path.substring(0, path.length() - UPLOADS_PATH.length());
    }
    return URI.create(scheme + "://" + uri.getRawAuthority() + path);
  }

  private static void requireHeaderSafe(String key, String source) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException(source + " is empty");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException(
            source + " may contain only printable ASCII characters without spaces");
      }
    }
  }

  private static Optional<String> nonBlank(String value) {
    return Optional.ofNullable(value).filter(v -> !v.isBlank());
  }

  @Override
  public String toString() {
    return "CliSettings[apiUrl=%s, apiKey=%s]"
        .formatted(apiUrl, apiKey.isPresent() ? "(set)" : "(none)");
  }
}
