package dev.uplink.api.fakes;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.UploadTask;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A queue that records what was published, with an injectable failure. */
public final class RecordingTaskQueue implements TaskQueue {

  private final List<TaskId> published = new CopyOnWriteArrayList<>();
  private volatile RuntimeException failure;

  /** Every later publish throws {@code failure} (null to heal). */
  public void failPublishesWith(RuntimeException failure) {
    this.failure = failure;
  }

  @Override
  public void publish(UploadTask task) {
    if (failure != null) {
      throw failure;
    }
    published.add(task.id());
  }

  public List<TaskId> published() {
    return List.copyOf(published);
  }
}
