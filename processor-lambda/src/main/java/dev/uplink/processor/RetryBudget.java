package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many of a task's retries its own failures have used: only attempts that reached a working
 * host count. Read from the task's timeline, where every attempt that failed transiently is a
 * PROCESSING to PENDING entry whose reason is its error ({@code CODE: message}); counted since the
 * last time an operator retried the task (FAILED to PENDING), which gives it a fresh budget.
 *
 * <p>Not counted: failures to reach the host ({@value #HOST_DOWN}: refused, reset, timed out, 5xx;
 * the host's circuit breaker deals with those, see {@link HostCircuits}) and attempts given back
 * without an error (a poller stopping, a Lambda's deadline, a lost lease).
 */
final class RetryBudget {

  /** The code of a failure to reach the target host. */
  static final String HOST_DOWN = PushException.INCUS_UNAVAILABLE;

  private static final Set<String> NOT_THE_TASKS_FAULT = Set.of(HOST_DOWN);
  private static final Pattern CODE = Pattern.compile("([A-Z][A-Z0-9_]*): .*", Pattern.DOTALL);

  private RetryBudget() {}

  /** Transient failures of the task's own since its last retry by an operator. */
  static int failuresOf(UploadTask task) {
    List<Transition> timeline = task.timeline();
    int count = 0;
    for (Transition t : timeline) {
      if (t.from().equals(Optional.of(TaskStatus.FAILED)) && t.to() == TaskStatus.PENDING) {
        count = 0; // retried by an operator: a fresh budget
      } else if (t.from().equals(Optional.of(TaskStatus.PROCESSING))
          && t.to() == TaskStatus.PENDING
          && code(t.reason()).filter(c -> !NOT_THE_TASKS_FAULT.contains(c)).isPresent()) {
        count++;
      }
    }
    return count;
  }

  /** Whether {@code error} is a failure to reach the host, which no task's budget pays for. */
  static boolean isHostDown(TaskError error) {
    return NOT_THE_TASKS_FAULT.contains(error.code());
  }

  private static Optional<String> code(String reason) {
    Matcher m = CODE.matcher(reason);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
