package dev.uplink.core.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * Which of an owner's tasks to list, and where to continue.
 *
 * @param status only tasks in this status
 * @param instance only tasks for this Incus instance
 * @param limit at most this many tasks (1 to {@value #MAX_LIMIT})
 * @param after continue after this task (the last one of the previous page); empty for the newest
 * @param project only tasks for an instance in this Incus project (tasks stored before projects
 *     existed are in {@value Destination#DEFAULT_PROJECT})
 */
public record TaskQuery(
    Optional<TaskStatus> status,
    Optional<String> instance,
    int limit,
    Optional<TaskId> after,
    Optional<String> project) {

  public static final int MAX_LIMIT = 100;

  /**
   * The most of an owner's tasks one page looks at. A filtered page stops there even with fewer
   * than {@code limit} tasks, even none, and says where to go on ({@link TaskPage#next}), so a
   * filter that matches few of many tasks costs a bounded read per page, never the whole partition.
   */
  public static final int MAX_EXAMINED = 1000;

  public TaskQuery {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(after, "after");
    Objects.requireNonNull(project, "project");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1-" + MAX_LIMIT + ", got " + limit);
    }
  }

  /** A query in any project. */
  public TaskQuery(
      Optional<TaskStatus> status, Optional<String> instance, int limit, Optional<TaskId> after) {
    this(status, instance, limit, after, Optional.empty());
  }

  /** The same query, continuing after {@code after}. */
  public TaskQuery continuingAfter(Optional<TaskId> after) {
    return new TaskQuery(status, instance, limit, after, project);
  }

  /** The newest {@code limit} tasks, any status and instance. */
  public static TaskQuery newest(int limit) {
    return new TaskQuery(Optional.empty(), Optional.empty(), limit, Optional.empty());
  }

  public boolean matches(UploadTask task) {
    return status.map(s -> s == task.status()).orElse(true)
        && instance.map(i -> i.equals(task.destination().instance())).orElse(true)
        && project.map(p -> p.equals(task.destination().project())).orElse(true);
  }
}
