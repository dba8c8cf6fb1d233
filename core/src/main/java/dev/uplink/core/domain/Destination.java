package dev.uplink.core.domain;

import java.util.regex.Pattern;

/**
 * Where a file goes: an Incus remote (server or cluster), a project on it, an instance in that
 * project, an absolute path inside it, and the file's mode and owner.
 *
 * <p>Two sets of rules, on purpose. The <b>structure</b> holds for every instance, by construction:
 * the record never holds a path that could escape its root or a mode that is no mode. The
 * <b>deliverability</b> rules ({@link #requireDeliverable()}: no special mode bit, names as long as
 * Linux takes) are what the API accepts today ({@link #parse} applies both) and what the processor
 * checks before a push; a task stored under other rules (an older API, a rewritten table item)
 * still loads, so its owner can list it and an operator can inspect it, and is refused when pushed.
 *
 * @param remote the Incus remote's name, as configured ({@code UPLINK_INCUS_REMOTES}); empty for
 *     the default remote (every task stored before remotes existed goes there)
 * @param project the Incus project holding the instance ({@value #DEFAULT_PROJECT} unless named)
 * @param instance Incus instance name (1-63 letters, digits and hyphens; starts with a letter; does
 *     not end with a hyphen)
 * @param path absolute, normalised file path: no {@code .} or {@code ..} segment, no empty segment,
 *     no trailing slash, no NUL or control character; deliverable when at most {@value
 *     #MAX_PATH_BYTES} bytes in UTF-8, each segment at most {@value #MAX_SEGMENT_BYTES} (what Linux
 *     takes: a longer name could never be written)
 * @param mode permission bits, 0 to 07777; deliverable up to 0777: Incus cannot set a setuid,
 *     setgid or sticky bit (it drops them silently, so such a mode could never be delivered as
 *     asked)
 * @param uid owner user id inside the instance
 * @param gid owner group id inside the instance
 */
public record Destination(
    String remote, String project, String instance, String path, int mode, long uid, long gid) {

  public static final int DEFAULT_MODE = 0644;

  /** The project every Incus server has, and the one a destination names when it names none. */
  public static final String DEFAULT_PROJECT = "default";

  /** The name of the default remote in a destination: none. */
  public static final String DEFAULT_REMOTE = "";

  /** The largest mode Incus sets exactly: rwx for all, no setuid, setgid or sticky bit. */
  public static final int MAX_MODE = 0777;

  /**
   * The longest path, in UTF-8 bytes: Linux's {@code PATH_MAX} (4096) counts the terminating NUL.
   */
  public static final int MAX_PATH_BYTES = 4095;

  /** The longest file or directory name, in UTF-8 bytes: Linux's {@code NAME_MAX}. */
  public static final int MAX_SEGMENT_BYTES = 255;

  /**
   * Remote and project names: letters, digits, {@code .}, {@code _} and {@code -}, starting with a
   * letter or digit. Stricter than Incus (which takes most printable characters in a project name)
   * on purpose: they appear in URLs, grants and metric labels.
   */
  private static final Pattern REMOTE_OR_PROJECT_NAME =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private static final Pattern INSTANCE_NAME =
      Pattern.compile("[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  /** Three octal digits, optionally after a 0: {@code 640}, {@code 0640}. */
  private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");

  /** A mode with a setuid, setgid or sticky bit: {@code 4755}, {@code 02750}, {@code 1777}. */
  private static final Pattern SPECIAL_MODE = Pattern.compile("0?[1-7][0-7]{3}");

  public Destination {
    if (remote == null) {
      remote = DEFAULT_REMOTE;
    }
    if (project == null || project.isEmpty()) {
      project = DEFAULT_PROJECT;
    }
    if (!remote.isEmpty()) {
      requireName("remote", remote);
    }
    requireName("project", project);
    requireInstance(instance);
    requirePath(path);
    if (mode < 0 || mode > 07777) {
      throw new InvalidDestinationException(
          "mode",
          "must be between 0000 and 0777 (got "
              + (mode < 0 ? Integer.toString(mode) : Integer.toOctalString(mode))
              + ")");
    }
    requireId("uid", uid);
    requireId("gid", gid);
  }

  /** A destination on the default remote, in the {@value #DEFAULT_PROJECT} project. */
  public Destination(String instance, String path, int mode, long uid, long gid) {
    this(DEFAULT_REMOTE, DEFAULT_PROJECT, instance, path, mode, uid, gid);
  }

  /** Whether this destination is on the default remote. */
  public boolean onDefaultRemote() {
    return remote.isEmpty();
  }

  /**
   * The instance as the incus CLI names it: {@code remote:instance} on a named remote, the bare
   * instance name on the default one.
   */
  public String qualifiedInstance() {
    return onDefaultRemote() ? instance : remote + ":" + instance;
  }

  /**
   * The destination as grants name it, {@code [remote:][project/]instance:path}: the remote and the
   * project only when they are not the default ones (so refusals read like the grants).
   */
  public String qualifiedPath() {
    return instanceAsGranted() + ":" + path;
  }

  /**
   * The instance as grants name it: {@code [remote:][project/]instance}, the remote and project
   * only when not the default ones.
   */
  public String instanceAsGranted() {
    String inProject = project.equals(DEFAULT_PROJECT) ? instance : project + "/" + instance;
    return (onDefaultRemote() ? "" : remote + ":") + inProject;
  }

  /** The same file, mode and owner on another remote and project (either may be null: default). */
  public Destination on(String remote, String project) {
    return new Destination(remote, project, instance, path, mode, uid, gid);
  }

  /**
   * Checks what a push needs beyond the structure: no setuid, setgid or sticky bit, the path and
   * each of its names no longer than Linux takes. {@link #parse} applies it to every new
   * destination; the processor applies it to stored ones before pushing.
   *
   * @throws InvalidDestinationException naming the field that cannot be delivered as asked
   */
  public Destination requireDeliverable() {
    if (mode > MAX_MODE) {
      throw specialBits(String.format("%04o", mode));
    }
    requireLengths(path);
    return this;
  }

  /** A new destination with mode 0644 owned by root, checked as {@link #parse} checks. */
  public static Destination of(String instance, String path) {
    return new Destination(instance, path, DEFAULT_MODE, 0, 0).requireDeliverable();
  }

  /**
   * Parses the textual form callers send (query parameters or headers). Absent mode, uid or gid
   * ({@code null} or blank) take the defaults 0644, 0 and 0.
   *
   * @throws InvalidDestinationException naming the first invalid field
   */
  public static Destination parse(
      String instance, String path, String mode, String uid, String gid) {
    return parse(instance, null, path, mode, uid, gid);
  }

  /**
   * Parses the textual form callers send, the instance as the incus CLI writes it: {@code
   * remote:instance} or a bare instance name (the default remote). A null or blank project is
   * {@value #DEFAULT_PROJECT}; absent mode, uid or gid take the defaults 0644, 0 and 0.
   *
   * @throws InvalidDestinationException naming the first invalid field ({@code remote}, {@code
   *     project}, {@code container}, {@code path}, {@code mode}, {@code uid} or {@code gid})
   */
  public static Destination parse(
      String instance, String project, String path, String mode, String uid, String gid) {
    if (instance == null || instance.isBlank()) {
      throw new InvalidDestinationException("container", "is required");
    }
    if (path == null || path.isEmpty()) {
      throw new InvalidDestinationException("path", "is required");
    }
    int colon = instance.indexOf(':');
    String remote = colon < 0 ? DEFAULT_REMOTE : instance.substring(0, colon);
    if (colon == 0) {
      throw new InvalidDestinationException("remote", "must not be empty before ':'");
    }
    return new Destination(
            remote,
            project == null || project.isBlank() ? DEFAULT_PROJECT : project,
            instance.substring(colon + 1),
            path,
            parseMode(mode),
            parseId("uid", uid),
            parseId("gid", gid))
        .requireDeliverable();
  }

  /**
   * The mode as Incus expects it in {@code X-Incus-mode}: a 0 and three octal digits ({@code
   * 0640}). Incus guesses the base of this header from its prefix, so without the leading 0 it
   * would read the digits as decimal.
   */
  public String octalMode() {
    return String.format("0%03o", mode);
  }

  /** The parent directories of {@link #path()}, outermost first, excluding {@code /}. */
  public java.util.List<String> parentDirectories() {
    var parents = new java.util.ArrayList<String>();
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      parents.add(path.substring(0, i));
    }
    return java.util.List.copyOf(parents);
  }

  private static void requireName(String field, String name) {
    if (!REMOTE_OR_PROJECT_NAME.matcher(name).matches()) {
      throw new InvalidDestinationException(
          field, "must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
  }

  private static void requireInstance(String instance) {
    if (instance == null || instance.isEmpty()) {
      throw new InvalidDestinationException("container", "is required");
    }
    if (!INSTANCE_NAME.matcher(instance).matches()) {
      throw new InvalidDestinationException(
          "container",
          "must be 1-63 letters, digits or hyphens, start with a letter and not end with a hyphen");
    }
  }

  private static void requirePath(String path) {
    if (path == null || path.isEmpty()) {
      throw new InvalidDestinationException("path", "is required");
    }
    if (path.charAt(0) != '/') {
      throw new InvalidDestinationException("path", "must be absolute (start with /)");
    }
    if (path.length() == 1 || path.endsWith("/")) {
      throw new InvalidDestinationException("path", "must name a file, not end with /");
    }
    for (int i = 0; i < path.length(); i++) {
      if (Character.isISOControl(path.charAt(i))) {
        throw new InvalidDestinationException("path", "must not contain control characters");
      }
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new InvalidDestinationException(
            "path", "must be normalised: no empty, '.' or '..' segments");
      }
    }
  }

  private static void requireLengths(String path) {
    int pathBytes = utf8Length(path);
    if (pathBytes > MAX_PATH_BYTES) {
      throw new InvalidDestinationException(
          "path", "is longer than %d bytes in UTF-8 (got %d)".formatted(MAX_PATH_BYTES, pathBytes));
    }
    for (String segment : path.substring(1).split("/", -1)) {
      int bytes = utf8Length(segment);
      if (bytes > MAX_SEGMENT_BYTES) {
        throw new InvalidDestinationException(
            "path",
            "has a name longer than %d bytes in UTF-8: \"%s…\" has %d"
                .formatted(
                    MAX_SEGMENT_BYTES,
                    segment.substring(0, segment.offsetByCodePoints(0, 16)),
                    bytes));
      }
    }
  }

  /** The length of {@code text} in UTF-8, without encoding it. */
  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3; // a lone surrogate is encoded as '?' by Java but counted as 3 here: safe side
      }
    }
    return bytes;
  }

  private static void requireId(String field, long id) {
    if (id < 0 || id > 0xFFFF_FFFEL) {
      throw new InvalidDestinationException(field, "must be between 0 and 4294967294");
    }
  }

  private static int parseMode(String mode) {
    if (mode == null || mode.isBlank()) {
      return DEFAULT_MODE;
    }
    if (SPECIAL_MODE.matcher(mode).matches()) {
      throw specialBits(mode);
    }
    if (!OCTAL_MODE.matcher(mode).matches()) {
      throw new InvalidDestinationException(
          "mode",
          "must be octal between 0000 and 0777, as 3 digits or 4 starting with 0 (e.g. 0640)");
    }
    return Integer.parseInt(mode, 8);
  }

  /**
   * A mode with a setuid, setgid or sticky bit. Incus (its REST API and its SFTP server alike)
   * silently drops these bits, so the file would not get the mode asked for: refused, never
   * delivered as something else.
   */
  private static InvalidDestinationException specialBits(String given) {
    return new InvalidDestinationException(
        "mode",
        "must be between 0000 and 0777: Incus cannot set setuid, setgid or sticky bits (got "
            + given
            + ")");
  }

  private static long parseId(String field, String id) {
    if (id == null || id.isBlank()) {
      return 0;
    }
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw new InvalidDestinationException(field, "must be a non-negative integer");
    }
  }
}
