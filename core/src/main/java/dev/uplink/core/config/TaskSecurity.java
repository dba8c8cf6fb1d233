package dev.uplink.core.config;

import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskSealer;
import java.util.Objects;
import java.util.Optional;

/**
 * What stops the task table from being a way to send files anywhere.
 *
 * @param sealer seals tasks in the API and checks them in the processor ({@code
 *     UPLINK_TASK_SEAL_KEY}, with {@code UPLINK_TASK_SEAL_PREVIOUS_KEY} during a rotation); empty:
 *     the API seals nothing and the processor checks nothing
 * @param destinations the deployment-wide allow-list the processor checks every task against
 *     ({@code UPLINK_DESTINATIONS}, grants as in {@code UPLINK_API_KEYS}); empty: no such list
 */
public record TaskSecurity(Optional<TaskSealer> sealer, Optional<DestinationPolicy> destinations) {

  public TaskSecurity {
    Objects.requireNonNull(sealer, "sealer");
    Objects.requireNonNull(destinations, "destinations");
  }

  /** No seal, no allow-list. */
  public static TaskSecurity none() {
    return new TaskSecurity(Optional.empty(), Optional.empty());
  }

  /** This, sealing and checking with {@code newSealer}. */
  public TaskSecurity withSealer(TaskSealer newSealer) {
    return new TaskSecurity(Optional.of(newSealer), destinations);
  }

  /** Never shows a key. */
  @Override
  public String toString() {
    return "TaskSecurity[seal=%s, destinations=%s]"
        .formatted(
            sealer
                .map(s -> s.acceptsPreviousKey() ? "on (previous key accepted)" : "on")
                .orElse("off"),
            destinations.map(DestinationPolicy::toString).orElse("any"));
  }
}
