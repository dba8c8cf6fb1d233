package dev.uplink.processor.poller;

import dev.uplink.processor.aws.ReceivedMessage;
import dev.uplink.processor.aws.SqsMessages;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages put back for a long hold because their host was unreachable ({@link
 * dev.uplink.processor.Outcome.Kind#PARKED}): their receipt handles, by message id, so that they
 * are made visible again as soon as a circuit closes instead of after their hold.
 */
final class ParkedMessages {

  /** How many parked messages are remembered to release early; the rest wait out their hold. */
  static final int MAX_PARKED = 10_000;

  /** Logged as the poller's, as before this class had a room of its own. */
  private static final Logger log = LoggerFactory.getLogger(SqsPoller.class);

  private final Map<String, String> parked = new ConcurrentHashMap<>();
  private final SqsMessages messages;

  ParkedMessages(SqsMessages messages) {
    this.messages = messages;
  }

  void park(ReceivedMessage message) {
    if (parked.size() < MAX_PARKED) {
      parked.put(message.messageId(), message.receiptHandle());
    }
  }

  /** The message came back: its old receipt handle is no longer the one. */
  void forget(String messageId) {
    parked.remove(messageId);
  }

  /** A circuit closed: the messages parked for their host's sake go back to work now. */
  void releaseAll() {
    var release = new LinkedHashMap<String, String>();
    for (String id : List.copyOf(parked.keySet())) {
      String handle = parked.remove(id);
      if (handle != null) {
        release.put(id, handle);
      }
    }
    if (release.isEmpty()) {
      return;
    }
    int failed = messages.changeVisibility(release, Duration.ZERO);
    log.info(
        "A host answers again: {} parked message(s) visible again now{}",
        release.size() - failed,
        failed == 0 ? "" : " (" + failed + " wait out their hold)");
  }
}
