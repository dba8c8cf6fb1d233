package dev.uplink.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One setting: the variable that holds it, how its text becomes a value, what it accepts (in the
 * words of its error message) and its value when the variable is unset or blank. {@link
 * Environment} reads it; a text the parser refuses is one {@link ConfigException}: {@code NAME must
 * be ACCEPTS, got 'TEXT'}.
 *
 * <p>Settings with a grammar of their own (API keys, destination grants, seal keys, the Incus URL)
 * are read as {@link #text} and parsed where that grammar lives, with its own messages.
 *
 * @param name the environment variable
 * @param parser the value of a trimmed, non-blank text; throws {@link IllegalArgumentException} for
 *     a text it refuses
 * @param accepts what the parser accepts, as the error message says it
 * @param fallback the value when the variable is unset or blank; empty: none
 */
record Setting<T>(String name, Function<String, T> parser, String accepts, Optional<T> fallback) {

  Setting {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(parser, "parser");
    Objects.requireNonNull(accepts, "accepts");
    Objects.requireNonNull(fallback, "fallback");
  }

  /** Any text, as it is (trimmed). */
  static Setting<String> text(String name) {
    return new Setting<>(name, Function.identity(), "text", Optional.empty());
  }

  /** A whole number from {@code min} to {@code max}, both included. */
  static Setting<Integer> wholeNumber(String name, int min, int max) {
    return new Setting<>(
        name,
        text -> {
          int value = Integer.parseInt(text);
          if (value < min || value > max) {
            throw new IllegalArgumentException("out of range");
          }
          return value;
        },
        "a whole number from %d to %d".formatted(min, max),
        Optional.empty());
  }

  /** A whole number of seconds from {@code min} to {@code max}. */
  static Setting<Duration> seconds(String name, int min, int max) {
    return wholeNumber(name, min, max).map(Duration::ofSeconds);
  }

  /** {@code true}/{@code yes}/{@code 1} or {@code false}/{@code no}/{@code 0}, in any case. */
  static Setting<Boolean> flag(String name) {
    return new Setting<>(
        name,
        text ->
            switch (text.toLowerCase(Locale.ROOT)) {
              case "true", "yes", "1" -> true;
              case "false", "no", "0" -> false;
              default -> throw new IllegalArgumentException("not a flag");
            },
        "true or false",
        Optional.empty());
  }

  /** An absolute URL: a scheme and a host. */
  static Setting<URI> url(String name) {
    return new Setting<>(
        name,
        text -> {
          URI uri = URI.create(text);
          if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("scheme and host required");
          }
          return uri;
        },
        "an absolute URL",
        Optional.empty());
  }

  /** This setting, worth {@code value} when unset. */
  Setting<T> orElse(T value) {
    return new Setting<>(name, parser, accepts, Optional.of(value));
  }

  /** This setting with its value (and fallback) passed through {@code conversion}. */
  <R> Setting<R> map(Function<? super T, ? extends R> conversion) {
    return new Setting<R>(name, parser.andThen(conversion), accepts, fallback.map(conversion));
  }

  /**
   * The value of {@code text}.
   *
   * @throws ConfigException naming the variable, what it accepts and the text, if it is refused
   */
  T parse(String text) {
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("%s must be %s, got '%s'".formatted(name, accepts, text), e);
    }
  }
}
