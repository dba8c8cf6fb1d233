package dev.uplink.processor;

import dev.uplink.core.config.TaskSecurity;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.InvalidDestinationException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.UploadTask;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * What the processor checks of a claimed task before anything is read or pushed: that its seal
 * verifies (the API's word that the owner, destination, object, size and SHA-256 are what it
 * accepted), and that its destination is inside the deployment-wide allow-list. A task that fails
 * either check is refused for good, and the refusal is logged as a security event: at ERROR, by the
 * logger {@value #LOGGER}, with the marker {@link #SECURITY} (in JSON logs, {@code
 * "tags":["SECURITY"]}), so an alarm can match it.
 */
public final class TaskGuard {

  /** The logger security events go to. */
  public static final String LOGGER = "dev.uplink.security";

  /** The marker on every security event. */
  public static final Marker SECURITY = MarkerFactory.getMarker("SECURITY");

  private static final Logger security = LoggerFactory.getLogger(LOGGER);

  private final Optional<TaskSealer> sealer;
  private final Optional<DestinationPolicy> destinations;

  public TaskGuard(Optional<TaskSealer> sealer, Optional<DestinationPolicy> destinations) {
    this.sealer = Objects.requireNonNull(sealer, "sealer");
    this.destinations = Objects.requireNonNull(destinations, "destinations");
  }

  /** Checks nothing: every task passes. */
  public static TaskGuard none() {
    return new TaskGuard(Optional.empty(), Optional.empty());
  }

  /** The checks {@code security} configures. */
  public static TaskGuard of(TaskSecurity security) {
    return new TaskGuard(security.sealer(), security.destinations());
  }

  /** Whether seals are checked. */
  public boolean checksSeals() {
    return sealer.isPresent();
  }

  /**
   * Why {@code task} must not be pushed, logged as a security event; empty when it may be.
   *
   * @return {@link TaskError#TASK_TAMPERED}, {@link TaskError#DESTINATION_NOT_ALLOWED} or, not a
   *     security event, {@link TaskError#INVALID_DESTINATION}
   */
  public Optional<TaskError> refusal(UploadTask task) {
    return tampering(task).or(() -> undeliverable(task.destination()));
  }

  /**
   * A destination stored under older or other rules (a special mode bit, an overlong name) would
   * land as something else than asked, or fail as often as it is tried.
   */
  private static Optional<TaskError> undeliverable(Destination destination) {
    try {
      destination.requireDeliverable();
      return Optional.empty();
    } catch (InvalidDestinationException e) {
      return Optional.of(
          new TaskError(
              TaskError.INVALID_DESTINATION,
              "The destination cannot be delivered as asked: "
                  + e.getMessage()
                  + "; nothing"
                  + " was pushed"));
    }
  }

  private Optional<TaskError> tampering(UploadTask task) {
    Destination destination = task.destination();
    if (sealer.isPresent()) {
      TaskSealer.Verdict verdict = sealer.get().verify(task);
      if (!verdict.valid()) {
        String why =
            verdict == TaskSealer.Verdict.MISSING
                ? "it carries no seal (created by an API without UPLINK_TASK_SEAL_KEY, or its seal"
                    + " was removed from the task table)"
                : "its seal does not verify: its owner, destination, object, size or SHA-256 was"
                    + " changed in the task table after the API accepted it";
        security.error(
            SECURITY,
            "SECURITY: task {} refused, {}; nothing pushed. As stored: owner {}, destination {}"
                + " (mode {}, uid {}, gid {}), object {}",
            task.id(),
            why,
            task.owner(),
            destination.qualifiedPath(),
            destination.octalMode(),
            destination.uid(),
            destination.gid(),
            task.objectKey());
        return Optional.of(
            new TaskError(
                TaskError.TASK_TAMPERED,
                "The task was refused because " + why + "; nothing was pushed"));
      }
    }
    if (destinations.isPresent() && !destinations.get().allows(destination)) {
      security.error(
          SECURITY,
          "SECURITY: task {} of {} refused: {} is outside UPLINK_DESTINATIONS ({}); nothing"
              + " pushed",
          task.id(),
          task.owner(),
          destination.qualifiedPath(),
          destinations.get());
      return Optional.of(
          new TaskError(
              TaskError.DESTINATION_NOT_ALLOWED,
              "%s is outside the destinations this deployment allows; nothing was pushed"
                  .formatted(destination.qualifiedPath())));
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "TaskGuard[seal=%s, destinations=%s]"
        .formatted(
            sealer.isPresent() ? "checked" : "not checked",
            destinations.map(DestinationPolicy::toString).orElse("any"));
  }
}
