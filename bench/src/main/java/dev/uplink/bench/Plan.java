package dev.uplink.bench;

/**
 * How much each benchmark does.
 *
 * @param bigBytes the large file of the upload and push paths
 * @param mediumBytes the second size of the upload path's memory check
 * @param bigReps repetitions of each large transfer (baseline and Uplink, interleaved)
 * @param smallTasks files in one small-task run
 * @param smallConcurrency uploads (or bare pushes) in flight at once
 * @param smallReps repetitions of the small-task run
 * @param halfRateTasks files in one open-loop run at half the measured tasks/s
 * @param steadyTasks files in one open-loop run at {@code steadyPerSecond}
 * @param steadyPerSecond the fixed arrival rate of the steady run (uploads/s)
 * @param coldReps fresh JVMs per cold-start variant
 * @param scaleTasks tasks per point of the scale curve
 * @param scaleReps repetitions per point of the scale curve
 * @param pollerWorkers UPLINK_WORKERS (and UPLINK_WORKERS_PER_HOST) of the small-task poller
 */
record Plan(
    long bigBytes,
    long mediumBytes,
    int bigReps,
    int smallTasks,
    int smallConcurrency,
    int smallReps,
    int halfRateTasks,
    int steadyTasks,
    int steadyPerSecond,
    int coldReps,
    int scaleTasks,
    int scaleReps,
    int pollerWorkers) {

  static final long MIB = 1024 * 1024;

  static Plan full() {
    // 2,000 small tasks take minutes on 2 cores (not cheap): 3 repetitions; cold starts: 5.
    return new Plan(1024 * MIB, 100 * MIB, 3, 2000, 32, 3, 1000, 300, 10, 5, 300, 3, 8);
  }

  /** A smoke run: every code path, small inputs, one repetition. */
  static Plan quick() {
    return new Plan(128 * MIB, 32 * MIB, 1, 200, 32, 1, 100, 50, 10, 1, 60, 1, 8);
  }

  static String size(long bytes) {
    return bytes % (1024 * MIB) == 0 ? (bytes / (1024 * MIB)) + " GiB" : (bytes / MIB) + " MiB";
  }
}
