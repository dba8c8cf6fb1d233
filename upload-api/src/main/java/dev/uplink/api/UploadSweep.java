package dev.uplink.api;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.TaskStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passes of {@link DirectUploadService#sweep}, over the tasks AWAITING_UPLOAD by deadline
 * ({@link TaskStore#findAwaitingUploads}):
 *
 * <ol>
 *   <li>every upload whose deadline has passed, however many: each is completed if its object
 *       arrived, else failed;
 *   <li>of the others, up to {@value #WINDOW}, going on where the last pass stopped (round the end
 *       back to the first), the single PUTs are candidates for a completion check (a look at the
 *       object store), of which at most the pass's budget are made, owners taking turns ({@link
 *       CompletionRotation}).
 * </ol>
 *
 * A failure on one upload is logged and the pass goes on; the next pass tries again. One pass runs
 * at a time.
 */
final class UploadSweep {

  /** Index entries one read asks for. */
  static final int PAGE = 1000;

  /** Index entries the first read for uploads past their window asks for. */
  static final int FIRST_DUE_READ = 50;

  /** Uploads not yet due one pass looks at, at most (about 100 bytes of index each). */
  static final int WINDOW = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(UploadSweep.class);

  /** What the pass does with one upload; answers whether its task changed. */
  @FunctionalInterface
  interface Action {
    boolean apply(AwaitingUpload upload);
  }

  private final TaskStore tasks;
  private final int page;
  private final int window;
  private final Action settleDue;
  private final Action completeIfUploaded;
  private final CompletionRotation rotation = new CompletionRotation();
  private Optional<AwaitingUpload> resumeAfter = Optional.empty();

  /**
   * @param settleDue for an upload whose deadline has passed: complete it or fail it
   * @param completeIfUploaded for a single PUT not yet due: complete it if its object arrived
   */
  UploadSweep(TaskStore tasks, Action settleDue, Action completeIfUploaded) {
    this(tasks, PAGE, WINDOW, settleDue, completeIfUploaded);
  }

  /** With other read sizes (for tests): {@code page} per read, {@code window} not-due per pass. */
  UploadSweep(TaskStore tasks, int page, int window, Action settleDue, Action completeIfUploaded) {
    if (page < 1 || window < 1) {
      throw new IllegalArgumentException(
          "page and window must be positive: " + page + ", " + window);
    }
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.page = page;
    this.window = window;
    this.settleDue = Objects.requireNonNull(settleDue, "settleDue");
    this.completeIfUploaded = Objects.requireNonNull(completeIfUploaded, "completeIfUploaded");
  }

  /**
   * One pass at {@code now}, making at most {@code checks} completion checks.
   *
   * @return how many tasks changed
   */
  synchronized int run(Instant now, int checks) {
    if (checks < 0) {
      throw new IllegalArgumentException("checks must not be negative, got " + checks);
    }
    int changed = settleEveryDueUpload(now);
    List<AwaitingUpload> singlePuts =
        notDueWindow(now).stream().filter(upload -> !upload.inParts()).toList();
    for (AwaitingUpload upload : rotation.pick(singlePuts, checks)) {
      changed += attempt(completeIfUploaded, upload);
    }
    return changed;
  }

  private int settleEveryDueUpload(Instant now) {
    int changed = 0;
    Optional<AwaitingUpload> after = Optional.empty();
    // Usually none or a few are due: a small first read, whole pages only when there are more.
    int asked = Math.min(FIRST_DUE_READ, page);
    while (true) {
      List<AwaitingUpload> read = tasks.findAwaitingUploads(after, asked);
      for (AwaitingUpload upload : read) {
        if (!upload.isDueAt(now)) {
          return changed;
        }
        changed += attempt(settleDue, upload);
      }
      if (read.size() < asked) {
        return changed;
      }
      after = Optional.of(read.get(read.size() - 1));
      asked = page;
    }
  }

  /**
   * Up to {@code window} uploads not due at {@code now}: after where the last pass stopped to the
   * end, then from the first one on, until the window is full or the pass is back where it began.
   */
  private List<AwaitingUpload> notDueWindow(Instant now) {
    var seen = new ArrayList<AwaitingUpload>();
    Optional<AwaitingUpload> start = resumeAfter;
    Optional<AwaitingUpload> after = start;
    boolean wrapped = false;
    while (seen.size() < window) {
      int asked = Math.min(page, window - seen.size());
      List<AwaitingUpload> read = tasks.findAwaitingUploads(after, asked);
      for (AwaitingUpload upload : read) {
        if (wrapped && AwaitingUpload.BY_DEADLINE.compare(upload, start.orElseThrow()) > 0) {
          resumeAfter = Optional.empty(); // round once: every upload seen
          return seen;
        }
        if (!upload.isDueAt(now)) {
          seen.add(upload);
        }
      }
      if (read.size() < asked) {
        if (wrapped || start.isEmpty()) {
          resumeAfter = Optional.empty();
          return seen;
        }
        wrapped = true;
        after = Optional.empty();
      } else {
        after = Optional.of(read.get(read.size() - 1));
      }
    }
    resumeAfter = Optional.of(seen.get(seen.size() - 1));
    return seen;
  }

  private static int attempt(Action action, AwaitingUpload upload) {
    try {
      return action.apply(upload) ? 1 : 0;
    } catch (RuntimeException e) {
      LOG.warn("Sweeping task {} failed; the next sweep tries again", upload.id(), e);
      return 0;
    }
  }
}
