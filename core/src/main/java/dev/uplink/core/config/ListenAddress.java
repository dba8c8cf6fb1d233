package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.wholeNumber;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a long-running API ({@code uplink api}) listens: {@code UPLINK_LISTEN}, {@code HOST:PORT}
 * ({@code 0.0.0.0:8080} for every interface, {@code [::1]:8080} for an IPv6 address, port 0 for any
 * free one). Unset, it is the loopback interface and {@code UPLINK_PORT} (8080): a server started
 * without a word reachable from this machine only, like {@code uplink local}.
 *
 * @param host the address or name to bind, IPv6 without brackets
 * @param port the port, 0 to 65535
 */
public record ListenAddress(String host, int port) {

  /** The interface an unconfigured API binds: this machine only. */
  public static final String LOOPBACK = "127.0.0.1";

  static final Setting<ListenAddress> LISTEN =
      new Setting<>(
          "UPLINK_LISTEN",
          ListenAddress::parse,
          "HOST:PORT (an IPv6 address in brackets, [::1]:8080) with a port from 0 to 65535",
          Optional.empty());

  private static final Setting<Integer> PORT = wholeNumber("UPLINK_PORT", 0, 65535).orElse(8080);

  public ListenAddress {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
    }
  }

  /**
   * Reads {@code UPLINK_LISTEN} from {@code env}; unset, {@value #LOOPBACK} and {@code
   * UPLINK_PORT}.
   *
   * @throws ConfigException if {@code UPLINK_LISTEN} is malformed, or set together with {@code
   *     UPLINK_PORT} (which one would win is a guess)
   */
  public static ListenAddress fromEnvironment(Map<String, String> env) {
    return read(new Environment(env, SecretSource.none()));
  }

  static ListenAddress read(Environment env) {
    Optional<ListenAddress> listen = env.find(LISTEN);
    if (listen.isPresent() && env.find(PORT).isPresent()) {
      throw new ConfigException(
          "UPLINK_LISTEN and UPLINK_PORT are both set: set UPLINK_LISTEN=HOST:PORT alone");
    }
    return listen.orElseGet(() -> new ListenAddress(LOOPBACK, env.read(PORT)));
  }

  /** {@code HOST:PORT}, or {@code [HOST]:PORT}; refuses anything else. */
  static ListenAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("no HOST:PORT");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":") || host.contains("[") || host.contains("]")) {
      throw new IllegalArgumentException("an IPv6 address needs brackets");
    }
    if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("no host");
    }
    String port = text.substring(colon + 1);
    if (!port.chars().allMatch(Character::isDigit) || port.length() > 5) {
      throw new IllegalArgumentException("not a port");
    }
    return new ListenAddress(host, Integer.parseInt(port));
  }

  /** Whether only this machine can connect: a loopback address or {@code localhost}. */
  public boolean isLoopback() {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  /** {@code HOST:PORT}, an IPv6 host in brackets. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
