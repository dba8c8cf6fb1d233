package dev.uplink.cli;

/** The API (or a presigned URL's store) refused a request; the message says what it answered. */
public final class ApiException extends CliException {

  private final Problem problem;

  /**
   * @param what the request refused, e.g. {@code S3 refused part 2}; blank for an API request,
   *     whose problem says enough
   */
  ApiException(String what, Problem problem) {
    super(what.isBlank() ? problem.describe() : what + ": " + problem.describe());
    this.problem = problem;
  }

  /** The HTTP status of the answer. */
  public int status() {
    return problem.status();
  }

  Problem problem() {
    return problem;
  }
}
