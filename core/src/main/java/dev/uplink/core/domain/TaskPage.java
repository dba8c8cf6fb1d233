package dev.uplink.core.domain;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a listing.
 *
 * @param tasks newest first
 * @param next where the next page starts ({@link TaskQuery#after}); empty on the last page. It may
 *     be given with fewer tasks than asked for, even none: a page looks at no more than {@link
 *     TaskQuery#MAX_EXAMINED} tasks
 */
public record TaskPage(List<UploadTask> tasks, Optional<TaskId> next) {

  public TaskPage {
    tasks = List.copyOf(tasks);
    Objects.requireNonNull(next, "next");
  }
}
