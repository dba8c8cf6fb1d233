package dev.uplink.core.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a caller may send files: an allow-list of grants, each an instance-name pattern and a path
 * prefix, written {@code web-*:/srv/uploads/}. A destination is allowed when one grant matches both
 * its instance and its path; nothing else is.
 *
 * <p>Patterns use {@code *} (any run of characters) and {@code ?} (one character). A prefix is a
 * directory: {@code /srv/uploads} and {@code /srv/uploads/} both allow {@code /srv/uploads/a.txt}
 * and nothing in {@code /srv/uploads-old/}; {@code /} allows every path.
 */
public record DestinationPolicy(List<Grant> grants) {

  public DestinationPolicy {
    grants = List.copyOf(grants);
  }

  /** Every instance, every path: for a trusted key, such as the local stack's. */
  public static DestinationPolicy allowAll() {
    return new DestinationPolicy(List.of(Grant.parse("*:/")));
  }

  /**
   * Parses grants separated by {@code |}, e.g. {@code web-*:/srv/uploads/|db-1:/var/lib/import/}.
   *
   * @throws IllegalArgumentException naming the malformed grant
   */
  public static DestinationPolicy parse(String grants) {
    Objects.requireNonNull(grants, "grants");
    if (grants.isBlank()) {
      throw new IllegalArgumentException("at least one grant (pattern:/path/prefix/) is required");
    }
    return new DestinationPolicy(
        Arrays.stream(grants.split("\\|")).map(String::strip).map(Grant::parse).toList());
  }

  /** Whether some grant covers both the destination's instance and its path. */
  public boolean allows(Destination destination) {
    return grants.stream().anyMatch(g -> g.covers(destination));
  }

  /**
   * Why the destination is refused: the field no grant matches ({@code container} when no pattern
   * matches the instance, {@code path} when some do but none of their prefixes holds the path);
   * empty when it is allowed.
   */
  public Optional<String> refusedField(Destination destination) {
    if (allows(destination)) {
      return Optional.empty();
    }
    boolean instanceMatches = grants.stream().anyMatch(g -> g.matchesInstance(destination));
    return Optional.of(instanceMatches ? "path" : "container");
  }

  @Override
  public String toString() {
    return String.join("|", grants.stream().map(Grant::toString).toList());
  }

  /**
   * One allowed area.
   *
   * @param instancePattern Incus instance names, with {@code *} and {@code ?} wildcards
   * @param pathPrefix an absolute directory, always ending in {@code /}
   */
  public record Grant(String instancePattern, String pathPrefix) {

    private static final Pattern INSTANCE_PATTERN = Pattern.compile("[A-Za-z0-9*?-]{1,63}");

    public Grant {
      Objects.requireNonNull(instancePattern, "instancePattern");
      Objects.requireNonNull(pathPrefix, "pathPrefix");
      if (!INSTANCE_PATTERN.matcher(instancePattern).matches()) {
        throw new IllegalArgumentException(
            "instance pattern "
                + instancePattern
                + " may hold only letters, digits, '-', '*' and '?'");
      }
      if (!pathPrefix.startsWith("/")
          || pathPrefix.contains("/../")
          || pathPrefix.endsWith("/..")) {
        throw new IllegalArgumentException(
            "path prefix " + pathPrefix + " must be an absolute path without '..'");
      }
      if (!pathPrefix.endsWith("/")) {
        pathPrefix = pathPrefix + "/";
      }
    }

    /** Parses {@code pattern:/path/prefix/}. */
    public static Grant parse(String grant) {
      int colon = grant.indexOf(':');
      if (colon <= 0 || colon == grant.length() - 1) {
        throw new IllegalArgumentException(
            "grant '"
                + grant
                + "' must be instance-pattern:/path/prefix/, e.g. web-*:/srv/uploads/");
      }
      return new Grant(grant.substring(0, colon), grant.substring(colon + 1));
    }

    boolean matchesInstance(Destination destination) {
      return glob(instancePattern).matcher(destination.instance()).matches();
    }

    boolean covers(Destination destination) {
      return matchesInstance(destination) && destination.path().startsWith(pathPrefix);
    }

    private static Pattern glob(String pattern) {
      var regex = new StringBuilder();
      for (char c : pattern.toCharArray()) {
        switch (c) {
          case '*' -> regex.append(".*");
          case '?' -> regex.append('.');
          default -> regex.append(Pattern.quote(String.valueOf(c)));
        }
      }
      return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
      return instancePattern + ":" + pathPrefix;
    }
  }
}
