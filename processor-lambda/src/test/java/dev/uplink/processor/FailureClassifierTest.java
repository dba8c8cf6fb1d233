package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.processor.FailureClassifier.Failure;
import dev.uplink.processor.FailureClassifier.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every cell of the error taxonomy. */
class FailureClassifierTest {

  static Stream<Arguments> cells() {
    return Stream.of(
        // Incus, transient
        cell(
            "Incus connection refused",
            new TargetUnavailableException(
                "Incus at https://x is unavailable: cannot connect", new ConnectException()),
            Kind.TRANSIENT,
            PushException.INCUS_UNAVAILABLE),
        cell(
            "Incus connection reset",
            new TargetUnavailableException(
                "Incus: connection reset", new SocketException("Connection reset")),
            Kind.TRANSIENT,
            PushException.INCUS_UNAVAILABLE),
        cell(
            "Incus timeout",
            new TargetUnavailableException(
                "Incus: no answer in time", new HttpTimeoutException("timed out")),
            Kind.TRANSIENT,
            PushException.INCUS_UNAVAILABLE),
        cell(
            "Incus HTTP 500",
            new TargetUnavailableException(500, "Incus could not push: database is locked"),
            Kind.TRANSIENT,
            PushException.INCUS_UNAVAILABLE),
        cell(
            "Incus HTTP 503",
            new TargetUnavailableException(503, "Incus is starting"),
            Kind.TRANSIENT,
            PushException.INCUS_UNAVAILABLE),
        cell(
            "integrity mismatch",
            new IntegrityMismatchException("reports 3 instead of 4 bytes"),
            Kind.PERMANENT,
            TaskError.INTEGRITY_MISMATCH),
        cell(
            "object read broke off",
            new SourceReadException("Reading the file failed after 3 of 9 bytes", null),
            Kind.TRANSIENT,
            PushException.OBJECT_READ_FAILED),
        cell(
            "local target I/O error",
            new TargetErrorException(
                PushException.LOCAL_TARGET_ERROR, "disk full", false, new IOException("ENOSPC")),
            Kind.TRANSIENT,
            PushException.LOCAL_TARGET_ERROR),
        // Incus, permanent
        cell(
            "instance not found",
            new InstanceNotFoundException("app", "Incus has no instance \"app\""),
            Kind.PERMANENT,
            TaskError.INSTANCE_NOT_FOUND),
        cell(
            "project not found",
            new ProjectNotFoundException("team-a", "Incus has no project \"team-a\""),
            Kind.PERMANENT,
            TaskError.PROJECT_NOT_FOUND),
        cell(
            "path not found",
            new PathNotFoundException("/no/such", "Not Found"),
            Kind.PERMANENT,
            PushException.PATH_NOT_FOUND),
        cell(
            "destination forbidden (certificate not trusted)",
            new TargetForbiddenException(403, "not authorized"),
            Kind.PERMANENT,
            PushException.INCUS_FORBIDDEN),
        cell(
            "untrusted server certificate",
            new UntrustedServerException("not the pinned certificate", null),
            Kind.PERMANENT,
            PushException.UNTRUSTED_SERVER),
        cell(
            "Incus 500 'is a directory'",
            new TargetErrorException(500, "is a directory", "is a directory", true),
            Kind.PERMANENT,
            PushException.INCUS_ERROR),
        cell(
            "local target refusal (symlink outside)",
            new TargetErrorException(PushException.LOCAL_TARGET_ERROR, "symlink", true, null),
            Kind.PERMANENT,
            PushException.LOCAL_TARGET_ERROR),
        // Domain
        cell(
            "object missing",
            new ObjectMissingException("uploads/x", null),
            Kind.PERMANENT,
            TaskError.OBJECT_MISSING),
        cell(
            "message naming no task",
            new TaskNotFoundException(new TaskId("01JDQ5Z7X8M4ZK6V1S2T3W4Y5A")),
            Kind.PERMANENT,
            FailureClassifier.TASK_NOT_FOUND),
        // AWS, as the adapters translate it (AwsErrors; the SDK's cells: SdkErrorTranslationTest)
        cell(
            "AWS throttling",
            dependency(DependencyException.Reason.THROTTLED),
            Kind.TRANSIENT,
            FailureClassifier.AWS_THROTTLED),
        cell(
            "AWS unavailable (5xx, no answer)",
            dependency(DependencyException.Reason.UNAVAILABLE),
            Kind.TRANSIENT,
            FailureClassifier.AWS_UNAVAILABLE),
        cell(
            "AWS refusal (access denied, no such table)",
            dependency(DependencyException.Reason.REJECTED),
            Kind.PERMANENT,
            FailureClassifier.AWS_REJECTED),
        // Everything else
        cell(
            "other I/O error",
            new UncheckedIOException(new IOException("broken pipe")),
            Kind.TRANSIENT,
            FailureClassifier.IO_ERROR),
        cell("a bug", new IllegalStateException("boom"), Kind.TRANSIENT, TaskError.INTERNAL));
  }

  @ParameterizedTest(name = "\"{0}\" is permanent")
  @ValueSource(
      strings = {
        "File name too long",
        "file name too long",
        "Read-only file system",
        "read-only file system",
        "Permission denied",
        "Operation not permitted",
        "Is a directory",
        "Not a directory",
        "Too many levels of symbolic links"
      })
  void givenARefusalTryingAgainCannotChange_whenJudged_thenPermanent(String reason) {
    assertThat(FailureClassifier.isPermanentRefusal(reason)).isTrue();
  }

  @ParameterizedTest(name = "\"{0}\" is transient")
  @ValueSource(
      strings = {
        "No space left on device",
        "Disk quota exceeded",
        "Input/output error",
        "No such file or directory",
        "Directory not empty",
        "Cannot rename across filesystems"
      })
  void givenARefusalThatMayPass_whenJudged_thenNotPermanent(String reason) {
    assertThat(FailureClassifier.isPermanentRefusal(reason)).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void givenFailure_whenClassified_thenKindAndCodeMatchTheTaxonomy(
      String cell, Throwable failure, Kind kind, String code) {
    Failure classified = FailureClassifier.classify(failure);

    assertThat(classified.kind()).as(cell).isEqualTo(kind);
    assertThat(classified.permanent()).isEqualTo(kind == Kind.PERMANENT);
    assertThat(classified.error().code()).as(cell).isEqualTo(code);
    assertThat(classified.error().message()).isNotBlank();
  }

  private static Arguments cell(String name, Throwable failure, Kind kind, String code) {
    return Arguments.of(name, failure, kind, code);
  }

  private static DependencyException dependency(DependencyException.Reason reason) {
    return new DependencyException("DynamoDB table uplink", reason, new RuntimeException("test"));
  }

  @Test
  void theCodesStoredOnTasksKeepTheirSpelling() {
    // Stored tasks, the API and the web page show these: renaming one is a breaking change.
    assertThat(
            List.of(
                PushException.INCUS_UNAVAILABLE,
                PushException.INCUS_FORBIDDEN,
                PushException.INCUS_ERROR,
                PushException.PATH_NOT_FOUND,
                PushException.UNTRUSTED_SERVER,
                PushException.OBJECT_READ_FAILED,
                PushException.LOCAL_TARGET_ERROR,
                TaskError.INSTANCE_NOT_FOUND,
                TaskError.PROJECT_NOT_FOUND))
        .containsExactly(
            "INCUS_UNAVAILABLE",
            "INCUS_FORBIDDEN",
            "INCUS_ERROR",
            "PATH_NOT_FOUND",
            "INCUS_UNTRUSTED_SERVER",
            "OBJECT_READ_FAILED",
            "LOCAL_TARGET_ERROR",
            "INSTANCE_NOT_FOUND",
            "PROJECT_NOT_FOUND");
  }
}
