package dev.uplink.cli;

/** The API's paths, in one place. */
final class TaskPaths {

  static final String UPLOADS = "/v1/uploads";

  private TaskPaths() {}

  /** {@code /v1/uploads/{id}}; {@code id} is a checked {@link TaskIds task id}. */
  static String task(String id) {
    return UPLOADS + "/" + id;
  }
}
