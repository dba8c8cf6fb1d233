package dev.uplink.core.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Where a caller may send files: an allow-list of grants, each naming remotes, projects, instances
 * and a path prefix, written as the incus CLI names an instance: {@code
 * [remote:][project/]instance-pattern:/path/prefix/}, e.g. {@code web-*:/srv/uploads/}, {@code
 * team-a/web-*:/srv/uploads/} or {@code *:*}{@code /db-?:/import/}. A destination is allowed when
 * one grant matches its remote, project, instance and path; nothing else is.
 *
 * <p>A grant without a remote covers the default remote only ({@code *:} covers every remote); one
 * without a project covers the {@value Destination#DEFAULT_PROJECT} project only ({@code *}{@code
 * /} covers every project). So grants written before remotes and projects existed keep meaning what
 * they meant. Patterns use {@code *} (any run of characters) and {@code ?} (one character). A
 * prefix is a directory: {@code /srv/uploads} and {@code /srv/uploads/} both allow {@code
 * /srv/uploads/a.txt} and nothing in {@code /srv/uploads-old/}; {@code /} allows every path.
 */
public record DestinationPolicy(List<Grant> grants) {

  public DestinationPolicy {
    grants = List.copyOf(grants);
  }

  /** Every remote, project, instance and path: for a trusted key, such as the local stack's. */
  public static DestinationPolicy allowAll() {
    return new DestinationPolicy(List.of(Grant.parse("*:*/*:/")));
  }

  /**
   * Parses grants separated by {@code |}, e.g. {@code web-*:/srv/uploads/|team-a/db-1:/import/}.
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

  /** Whether some grant covers the destination's remote, project, instance and path. */
  public boolean allows(Destination destination) {
    return grants.stream().anyMatch(g -> g.covers(destination));
  }

  /**
   * Why the destination is refused: the first field, in the order {@code remote}, {@code project},
   * {@code container}, {@code path}, that no grant matching the fields before it matches ({@code
   * project} when some grants name the remote but none of them the project, and so on); empty when
   * it is allowed.
   */
  public Optional<String> refusedField(Destination destination) {
    if (allows(destination)) {
      return Optional.empty();
    }
    List<Predicate<Grant>> steps =
        List.of(
            g -> g.matchesRemote(destination),
            g -> g.matchesProject(destination),
            g -> g.matchesInstance(destination));
    List<String> fields = List.of("remote", "project", "container");
    Predicate<Grant> matchedSoFar = g -> true;
    for (int i = 0; i < steps.size(); i++) {
      matchedSoFar = matchedSoFar.and(steps.get(i));
      if (grants.stream().noneMatch(matchedSoFar)) {
        return Optional.of(fields.get(i));
      }
    }
    return Optional.of("path");
  }

  @Override
  public String toString() {
    return String.join("|", grants.stream().map(Grant::toString).toList());
  }

  /**
   * One allowed area.
   *
   * @param remotePattern Incus remote names, with {@code *} and {@code ?} wildcards; empty for the
   *     default remote only ({@code *} matches the default remote as well as every named one)
   * @param projectPattern Incus project names, with {@code *} and {@code ?} wildcards
   * @param instancePattern Incus instance names, with {@code *} and {@code ?} wildcards
   * @param pathPrefix an absolute directory, always ending in {@code /}
   */
  public record Grant(
      String remotePattern, String projectPattern, String instancePattern, String pathPrefix) {

    private static final Pattern INSTANCE_PATTERN = Pattern.compile("[A-Za-z0-9*?-]{1,63}");

    /** Remote and project names are letters, digits, '.', '_' and '-' (see Destination). */
    private static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9._*?-]{1,63}");

    public Grant {
      Objects.requireNonNull(instancePattern, "instancePattern");
      Objects.requireNonNull(pathPrefix, "pathPrefix");
      remotePattern = remotePattern == null ? Destination.DEFAULT_REMOTE : remotePattern;
      projectPattern =
          projectPattern == null || projectPattern.isEmpty()
              ? Destination.DEFAULT_PROJECT
              : projectPattern;
      if (!remotePattern.isEmpty() && !NAME_PATTERN.matcher(remotePattern).matches()) {
        throw new IllegalArgumentException(
            "remote pattern "
                + remotePattern
                + " may hold only letters, digits, '.', '_', '-', '*' and '?'");
      }
      if (!NAME_PATTERN.matcher(projectPattern).matches()) {
        throw new IllegalArgumentException(
            "project pattern "
                + projectPattern
                + " may hold only letters, digits, '.', '_', '-', '*' and '?'");
      }
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

    /** A grant on the default remote's {@value Destination#DEFAULT_PROJECT} project. */
    public Grant(String instancePattern, String pathPrefix) {
      this(Destination.DEFAULT_REMOTE, Destination.DEFAULT_PROJECT, instancePattern, pathPrefix);
    }

    /**
     * Parses {@code [remote:][project/]instance-pattern:/path/prefix/}. The path prefix starts at
     * the first {@code :/} (no remote, project or instance pattern holds one), else after the last
     * {@code :}, so that a relative prefix is refused as such.
     */
    public static Grant parse(String grant) {
      int pathStart = grant.indexOf(":/");
      if (pathStart < 0) {
        pathStart = grant.lastIndexOf(':');
      }
      if (pathStart <= 0 || pathStart == grant.length() - 1) {
        throw new IllegalArgumentException(
            "grant '"
                + grant
                + "' must be [remote:][project/]instance-pattern:/path/prefix/, e.g."
                + " web-*:/srv/uploads/");
      }
      String target = grant.substring(0, pathStart);
      int colon = target.indexOf(':');
      String remote = colon < 0 ? Destination.DEFAULT_REMOTE : target.substring(0, colon);
      String projectAndInstance = target.substring(colon + 1);
      int slash = projectAndInstance.indexOf('/');
      if (colon == 0
          || slash == 0
          || projectAndInstance.isEmpty()
          || slash == projectAndInstance.length() - 1) {
        throw new IllegalArgumentException(
            "grant '"
                + grant
                + "' names an empty remote, project or instance pattern; write"
                + " [remote:][project/]instance-pattern:/path/prefix/");
      }
      String project =
          slash < 0 ? Destination.DEFAULT_PROJECT : projectAndInstance.substring(0, slash);
      return new Grant(
          remote, project, projectAndInstance.substring(slash + 1), grant.substring(pathStart + 1));
    }

    boolean matchesRemote(Destination destination) {
      return remotePattern.isEmpty()
          ? destination.onDefaultRemote()
          : glob(remotePattern).matcher(destination.remote()).matches();
    }

    boolean matchesProject(Destination destination) {
      return glob(projectPattern).matcher(destination.project()).matches();
    }

    boolean matchesInstance(Destination destination) {
      return glob(instancePattern).matcher(destination.instance()).matches();
    }

    boolean covers(Destination destination) {
      return matchesRemote(destination)
          && matchesProject(destination)
          && matchesInstance(destination)
          && destination.path().startsWith(pathPrefix);
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

    /** The grant as written, without the defaults: {@code [remote:][project/]pattern:/prefix/}. */
    @Override
    public String toString() {
      return (remotePattern.isEmpty() ? "" : remotePattern + ":")
          + (projectPattern.equals(Destination.DEFAULT_PROJECT) ? "" : projectPattern + "/")
          + instancePattern
          + ":"
          + pathPrefix;
    }
  }
}
