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

  private static final String KEY = "UPLINK_TASK_SEAL_KEY";
  private static final String PREVIOUS_KEY = "UPLINK_TASK_SEAL_PREVIOUS_KEY";
  private static final String DESTINATIONS = "UPLINK_DESTINATIONS";

  public TaskSecurity {
    Objects.requireNonNull(sealer, "sealer");
    Objects.requireNonNull(destinations, "destinations");
  }

  /**
   * Reads the seal key (and the previous one, during a rotation) and the destination allow-list. A
   * key is any text of at least {@value TaskSealer#MIN_KEY_BYTES} bytes; its value never appears in
   * an error.
   */
  static TaskSecurity read(Environment env) {
    Optional<String> key = env.sensitive(KEY);
    Optional<String> previous = env.sensitive(PREVIOUS_KEY);
    if (key.isEmpty() && previous.isPresent()) {
      throw new ConfigException(
          PREVIOUS_KEY
              + " is set without "
              + KEY
              + ": the previous key only verifies seals, set the current one too");
    }
    Optional<TaskSealer> sealer;
    try {
      sealer = key.map(k -> TaskSealer.of(k.strip(), previous.map(String::strip)));
    } catch (IllegalArgumentException e) {
      String variable = e.getMessage().startsWith("the previous") ? PREVIOUS_KEY : KEY;
      // Without the cause: a key's text must never reach a log, even inside a stack trace.
      throw new ConfigException(variable + ": " + e.getMessage());
    }
    Optional<DestinationPolicy> destinations;
    try {
      destinations = env.find(Setting.text(DESTINATIONS)).map(DestinationPolicy::parse);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          DESTINATIONS
              + " must be grants like web-*:/srv/uploads/|db-?:/import/: "
              + e.getMessage(),
          e);
    }
    return new TaskSecurity(sealer, destinations);
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
