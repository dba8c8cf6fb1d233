package dev.uplink.processor;

/**
 * The instance exists but the path cannot be reached in it (Incus answers 404 "Not Found" when a
 * parent directory is missing). Distinct from {@link InstanceNotFoundException}. Permanent.
 */
public final class PathNotFoundException extends PushException {

  private final String path;

  public PathNotFoundException(String path, String message) {
    super(PATH_NOT_FOUND, true, message, null);
    this.path = path;
  }

  public String path() {
    return path;
  }
}
