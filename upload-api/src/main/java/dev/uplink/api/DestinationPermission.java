package dev.uplink.api;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import java.util.Optional;

/** Whether a caller's API key may send files to a destination, asked before anything is stored. */
final class DestinationPermission {

  private DestinationPermission() {}

  /**
   * Refuses a destination the caller's policy does not allow.
   *
   * @throws RequestRejectedException FORBIDDEN, naming the field the policy refused
   */
  static void require(Caller caller, Destination destination) {
    caller
        .policy()
        .refusedField(destination)
        .ifPresent(
            field -> {
              throw new RequestRejectedException(
                  RequestRejectedException.Reason.FORBIDDEN,
                  "Your API key may not send files to " + destination.qualifiedPath(),
                  field,
                  Optional.empty());
            });
  }
}
