package dev.uplink.core.logging;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import org.slf4j.MDC;

/**
 * The fields every log line of a task's life carries, in SLF4J's MDC: {@value #TASK_ID}, {@value
 * #OWNER}, {@value #PROJECT}, {@value #INSTANCE}, {@value #ATTEMPT} and, once known, {@value
 * #OUTCOME}. The JSON log format writes them as fields of each line, so one query finds a task's
 * whole story.
 *
 * <p>Open one around a unit of work: a {@link LogScope}, whose closing restores what the thread had
 * before (threads are pooled). Never put file contents or secrets here.
 *
 * <pre>{@code
 * try (var context = TaskLogContext.of(taskId)) {
 *   ...
 *   TaskLogContext.describe(claimedTask);
 *   ...
 *   TaskLogContext.outcome("done");
 *   log.info("Task pushed");
 * }
 * }</pre>
 */
public final class TaskLogContext {

  public static final String TASK_ID = "taskId";
  public static final String OWNER = "owner";
  public static final String PROJECT = "project";
  public static final String INSTANCE = "instance";
  public static final String ATTEMPT = "attempt";
  public static final String OUTCOME = "outcome";

  private TaskLogContext() {}

  /** A context for the task {@code id}, whose other fields are not known yet. */
  public static LogScope of(TaskId id) {
    var scope = LogScope.open();
    MDC.put(TASK_ID, id.value());
    return scope;
  }

  /** A context for {@code task}. */
  public static LogScope of(UploadTask task) {
    var scope = LogScope.open();
    describe(task);
    return scope;
  }

  /** Puts {@code task}'s id, owner, project, instance and attempt in the current context. */
  public static void describe(UploadTask task) {
    MDC.put(TASK_ID, task.id().value());
    MDC.put(OWNER, task.owner());
    MDC.put(PROJECT, task.destination().project());
    MDC.put(INSTANCE, task.destination().instance());
    MDC.put(ATTEMPT, Integer.toString(task.attempts()));
  }

  /** Puts how the work on the task ended (e.g. {@code done}, {@code retry}, {@code failed}). */
  public static void outcome(String outcome) {
    MDC.put(OUTCOME, outcome);
  }

  /**
   * {@code work}, run on another thread (a timer's) with the context this thread has now: the
   * heartbeat of a push logs as part of the push.
   */
  public static Runnable carrying(Runnable work) {
    return LogScope.carrying(work);
  }
}
