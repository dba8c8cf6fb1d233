package dev.uplink.core.domain;

import java.util.regex.Pattern;

/**
 * Where a file goes: an Incus instance, an absolute path inside it, and the file's mode and owner.
 * Every instance is valid by construction; the record never holds a path that could escape its
 * root.
 *
 * @param instance Incus instance name (1-63 letters, digits and hyphens; starts with a letter; does
 *     not end with a hyphen)
 * @param path absolute, normalised file path: no {@code .} or {@code ..} segment, no empty segment,
 *     no trailing slash, no NUL or control character
 * @param mode permission bits, 0 to 07777
 * @param uid owner user id inside the instance
 * @param gid owner group id inside the instance
 */
public record Destination(String instance, String path, int mode, long uid, long gid) {

  public static final int DEFAULT_MODE = 0644;
  private static final int MAX_PATH_LENGTH = 4096;
  private static final Pattern INSTANCE_NAME =
      Pattern.compile("[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{1,4}");

  public Destination {
    requireInstance(instance);
    requirePath(path);
    if (mode < 0 || mode > 07777) {
      throw new InvalidDestinationException("mode", "must be between 0000 and 7777 (octal)");
    }
    requireId("uid", uid);
    requireId("gid", gid);
  }

  /** A destination with mode 0644 owned by root. */
  public static Destination of(String instance, String path) {
    return new Destination(instance, path, DEFAULT_MODE, 0, 0);
  }

  /**
   * Parses the textual form callers send (query parameters or headers). Absent mode, uid or gid
   * ({@code null} or blank) take the defaults 0644, 0 and 0.
   *
   * @throws InvalidDestinationException naming the first invalid field
   */
  public static Destination parse(
      String instance, String path, String mode, String uid, String gid) {
    if (instance == null || instance.isBlank()) {
      throw new InvalidDestinationException("container", "is required");
    }
    if (path == null || path.isEmpty()) {
      throw new InvalidDestinationException("path", "is required");
    }
    return new Destination(
        instance, path, parseMode(mode), parseId("uid", uid), parseId("gid", gid));
  }

  /** The mode as Incus expects it in {@code X-Incus-mode}: four octal digits. */
  public String octalMode() {
    return String.format("%04o", mode);
  }

  /** The parent directories of {@link #path()}, outermost first, excluding {@code /}. */
  public java.util.List<String> parentDirectories() {
    var parents = new java.util.ArrayList<String>();
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      parents.add(path.substring(0, i));
    }
    return java.util.List.copyOf(parents);
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
    if (path.length() > MAX_PATH_LENGTH) {
      throw new InvalidDestinationException("path", "is longer than " + MAX_PATH_LENGTH);
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

  private static void requireId(String field, long id) {
    if (id < 0 || id > 0xFFFF_FFFEL) {
      throw new InvalidDestinationException(field, "must be between 0 and 4294967294");
    }
  }

  private static int parseMode(String mode) {
    if (mode == null || mode.isBlank()) {
      return DEFAULT_MODE;
    }
    if (!OCTAL_MODE.matcher(mode).matches()) {
      throw new InvalidDestinationException("mode", "must be octal between 0000 and 7777");
    }
    return Integer.parseInt(mode, 8);
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
