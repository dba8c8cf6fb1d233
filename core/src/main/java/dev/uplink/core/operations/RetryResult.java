package dev.uplink.core.operations;

import dev.uplink.core.domain.UploadTask;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A FAILED task retried.
 *
 * @param task the task, PENDING again, with its attempts and timeline kept
 * @param queued whether its message was published; if not (the queue failed), the reconciler
 *     publishes it once it has been PENDING for {@code UPLINK_RECONCILE_AFTER}
 */
public record RetryResult(UploadTask task, boolean queued) {

  public RetryResult {
    Objects.requireNonNull(task, "task");
  }

  /** {@code {"task", "queued"}}; the task has its owner and timeline. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("task", JsonValues.task(task));
    json.put("queued", queued);
    return json;
  }
}
