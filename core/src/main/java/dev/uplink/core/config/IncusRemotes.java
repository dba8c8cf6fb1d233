package dev.uplink.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Incus servers (or clusters) besides the default one, by name, as the incus CLI names remotes:
 * a destination {@code lab:web} goes to the remote {@code lab}. {@code
 * UPLINK_INCUS_REMOTES=lab,edge} names them; each is configured like the default server with its
 * own variables, {@code UPLINK_INCUS_REMOTE_<NAME>_URL} ({@code https://} or {@code unix:///path})
 * and, for HTTPS, {@code _CERT}, {@code _KEY}, {@code _SERVER_CERT} or their {@code _SECRET} forms
 * (NAME upper-cased, {@code -} and {@code .} as {@code _}). Those variables may instead be lines of
 * a file, {@code UPLINK_INCUS_REMOTES_FILE}, or of a secret, {@code
 * UPLINK_INCUS_REMOTES_FILE_SECRET}.
 *
 * <p>The upload API needs the names only (to refuse an unknown remote) and is given no URL or
 * certificate: a named remote without a URL is {@link #servers() unconfigured} here, and only the
 * processor, which must reach every remote, {@link #settingsOf requires} its settings.
 *
 * @param names the remotes {@code UPLINK_INCUS_REMOTES} names, in its order
 * @param servers how to reach each named remote whose URL is set
 * @param defaultRemote the named remote that is the default one ({@code
 *     UPLINK_INCUS_DEFAULT_REMOTE}): destinations without a remote go there
 */
public record IncusRemotes(
    List<String> names, Map<String, IncusSettings> servers, Optional<String> defaultRemote) {

  static final String NAMES = "UPLINK_INCUS_REMOTES";
  static final String FILE = "UPLINK_INCUS_REMOTES_FILE";
  static final String DEFAULT = "UPLINK_INCUS_DEFAULT_REMOTE";
  private static final String PREFIX = "UPLINK_INCUS_REMOTE_";

  /** What follows a remote's prefix: its URL and PEMs, and their secret forms. */
  private static final List<String> SUFFIXES =
      List.of(
          "URL",
          "CERT",
          "KEY",
          "SERVER_CERT",
          "CERT" + Environment.SECRET_SUFFIX,
          "KEY" + Environment.SECRET_SUFFIX,
          "SERVER_CERT" + Environment.SECRET_SUFFIX);

  /** As a destination's remote: the same rule as {@code core.domain.Destination}'s. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private static final Pattern FILE_LINE = Pattern.compile("([A-Z0-9_]+)=(.*)");

  public IncusRemotes {
    names = List.copyOf(names);
    servers = Map.copyOf(servers);
    Objects.requireNonNull(defaultRemote, "defaultRemote");
    for (String server : servers.keySet()) {
      if (!names.contains(server)) {
        throw new IllegalArgumentException("a server for a remote not named: " + server);
      }
    }
    if (defaultRemote.isPresent() && !names.contains(defaultRemote.get())) {
      throw new IllegalArgumentException("the default remote is not named: " + defaultRemote.get());
    }
  }

  /** No remote besides the default server. */
  public static IncusRemotes none() {
    return new IncusRemotes(List.of(), Map.of(), Optional.empty());
  }

  /** These remotes, each with its settings. */
  public static IncusRemotes of(Map<String, IncusSettings> servers) {
    return new IncusRemotes(List.copyOf(servers.keySet()), servers, Optional.empty());
  }

  /**
   * Whether a destination may name {@code remote}: the default remote (empty) or a named one. The
   * API answers {@code 400} for any other.
   */
  public boolean knows(String remote) {
    return remote.isEmpty() || names.contains(remote);
  }

  /**
   * How to reach the named remote {@code name}.
   *
   * @throws ConfigException naming the variable to set, if its URL is not set
   */
  public IncusSettings settingsOf(String name) {
    if (!names.contains(name)) {
      throw new IllegalArgumentException("not a named remote: " + name);
    }
    IncusSettings settings = servers.get(name);
    if (settings == null) {
      throw new ConfigException(
          "%sURL is required: %s names the remote %s, and the processor must reach it"
              .formatted(variablePrefix(name), NAMES, name));
    }
    return settings;
  }

  /**
   * Every named remote's settings, by name, in {@code UPLINK_INCUS_REMOTES}'s order.
   *
   * @throws ConfigException naming the first remote whose URL is not set
   */
  public Map<String, IncusSettings> requireAll() {
    var all = new LinkedHashMap<String, IncusSettings>();
    names.forEach(name -> all.put(name, settingsOf(name)));
    return all;
  }

  /**
   * {@code UPLINK_INCUS_REMOTE_<NAME>_}, the start of the remote {@code name}'s variables: upper
   * case, {@code -} and {@code .} as {@code _}.
   */
  public static String variablePrefix(String name) {
    return PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_') + "_";
  }

  /**
   * Reads the names, the remotes file if one is given, and each named remote's variables.
   *
   * @throws ConfigException one line naming the variable (or the file's line) at fault
   */
  static IncusRemotes read(Environment plain) {
    List<String> names = readNames(plain);
    Environment env = withFile(plain);
    requireKnownVariables(env, names);
    var servers = new LinkedHashMap<String, IncusSettings>();
    for (String name : names) {
      String prefix = variablePrefix(name);
      Optional<IncusSettings> settings = IncusSettings.read(env, prefix);
      if (settings.isPresent()) {
        servers.put(name, settings.get());
      } else {
        env.namesStartingWith(prefix).stream()
            .findFirst()
            .ifPresent(
                set -> {
                  throw new ConfigException(
                      "%s is set but %sURL is not: set the remote's URL too"
                          .formatted(set, prefix));
                });
      }
    }
    Optional<String> defaultRemote = env.find(Setting.text(DEFAULT));
    defaultRemote.ifPresent(
        name -> {
          if (!names.contains(name)) {
            throw new ConfigException(
                "%s names %s, which %s does not list (%s)"
                    .formatted(DEFAULT, name, NAMES, names.isEmpty() ? "unset" : names));
          }
        });
    return new IncusRemotes(names, servers, defaultRemote);
  }

  private static List<String> readNames(Environment env) {
    String text = env.read(Setting.text(NAMES).orElse(""));
    var names = new ArrayList<String>();
    var byPrefix = new HashMap<String, String>();
    for (String part : text.split(",", -1)) {
      String name = part.trim();
      if (name.isEmpty()) {
        if (!text.isEmpty()) {
          throw new ConfigException(
              NAMES + " must be remote names separated by commas, got '" + text + "'");
        }
        continue;
      }
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException(
            "%s: remote name '%s' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
                .formatted(NAMES, name));
      }
      if (name.equalsIgnoreCase("default")) {
        throw new ConfigException(
            NAMES
                + ": 'default' is what logs and metrics call the default remote: give the remote"
                + " another name");
      }
      String other = byPrefix.putIfAbsent(variablePrefix(name), name);
      if (other != null) {
        throw new ConfigException(
            "%s names %s and %s, which both take the variables %s*: rename one"
                .formatted(NAMES, other, name, variablePrefix(name)));
      }
      names.add(name);
    }
    return names;
  }

  /**
   * Every {@code UPLINK_INCUS_REMOTE_*} variable belongs to a named remote: no typo goes unseen.
   */
  private static void requireKnownVariables(Environment env, List<String> names) {
    for (String variable : env.namesStartingWith(PREFIX)) {
      boolean known =
          names.stream()
              .anyMatch(
                  name ->
                      SUFFIXES.stream().anyMatch(s -> variable.equals(variablePrefix(name) + s)));
      if (!known) {
        throw new ConfigException(
            "%s is not a setting of any remote %s names (%s): each remote NAME has %sNAME_URL, _CERT, _KEY and _SERVER_CERT"
                .formatted(variable, NAMES, names.isEmpty() ? "none" : names, PREFIX));
      }
    }
  }

  /** {@code env} with the lines of the remotes file or secret, if one is given. */
  private static Environment withFile(Environment env) {
    Optional<String> secret = env.secretText(FILE);
    Optional<String> path = env.find(Setting.text(FILE));
    if (secret.isPresent() && path.isPresent()) {
      throw new ConfigException(
          "%s and %s%s are both set: set one".formatted(FILE, FILE, Environment.SECRET_SUFFIX));
    }
    if (path.isPresent()) {
      String text;
      try {
        text = Files.readString(Path.of(path.get()));
      } catch (IOException e) {
        throw new ConfigException(
            "%s names %s, which cannot be read: %s".formatted(FILE, path.get(), e), e);
      }
      return env.with(fileVariables(text, FILE + " " + path.get()), FILE + " " + path.get());
    }
    if (secret.isPresent()) {
      String origin = "the secret " + FILE + Environment.SECRET_SUFFIX + " names";
      return env.with(fileVariables(secret.get(), origin), origin);
    }
    return env;
  }

  /**
   * {@code VARIABLE=value} lines (blank lines and {@code #} comments skipped): the variables of the
   * remotes, never anything else, and PEMs by file or secret, never inline.
   */
  static Map<String, String> fileVariables(String text, String origin) {
    var variables = new LinkedHashMap<String, String>();
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      var match = FILE_LINE.matcher(line);
      if (!match.matches() || !match.group(1).startsWith(PREFIX)) {
        // The line itself is not shown: it might be a line of a PEM pasted in by mistake.
        throw new ConfigException(
            ("%s, line %d is not %sNAME_URL=… (or _CERT, _KEY, _SERVER_CERT and their _SECRET):"
                    + " PEMs go in files or secrets, never in this file")
                .formatted(origin, i + 1, PREFIX));
      }
      if (variables.put(match.group(1), match.group(2).strip()) != null) {
        throw new ConfigException(
            "%s, line %d: %s is set twice".formatted(origin, i + 1, match.group(1)));
      }
    }
    return variables;
  }

  /** Names only: never a certificate or key. */
  @Override
  public String toString() {
    var shown = new ArrayList<String>();
    for (String name : names) {
      IncusSettings settings = servers.get(name);
      shown.add(name + "=" + (settings == null ? "(no URL)" : settings.url()));
    }
    return shown + defaultRemote.map(name -> " default " + name).orElse("");
  }
}
