package dev.uplink.infra.chaos;

import dev.uplink.processor.incus.IncusTestEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts completed file pushes per path from outside Incus: Uplink writes each file under a staging
 * name and renames it over the destination, so every completed push is exactly one name appearing
 * in the destination's directory (inotify's {@code IN_MOVED_TO}, Java's {@code ENTRY_CREATE}) on
 * the host side of the instance's rootfs. Independent of the processor's own logs, so it proves
 * "pushed exactly once" from the filesystem's side; a push cut off mid-way renames nothing.
 *
 * <p>Watch each destination directory with {@link #watch} before anything is pushed into it: it is
 * created (on the host) if needed. Staging names ({@code .uplink-*}) are not counted. Nothing is
 * lost while incusd restarts: the kernel, not incusd, reports the renames.
 */
final class IncusPushEvents implements AutoCloseable {

  private final IncusTestEnvironment incus;
  private final WatchService watcher;
  private final Map<WatchKey, String> directories = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> pushes = new ConcurrentHashMap<>();
  private final AtomicLong events = new AtomicLong();
  private final Thread reader;
  private volatile long lastEventNanos = System.nanoTime();
  private volatile boolean overflowed;

  IncusPushEvents(IncusTestEnvironment incus) {
    this.incus = incus;
    try {
      this.watcher = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.reader = Thread.ofPlatform().daemon().name("incus-push-events").unstarted(this::read);
  }

  /** Starts counting. */
  IncusPushEvents connect() {
    if (!reader.isAlive()) {
      reader.start();
    }
    return this;
  }

  /**
   * Counts pushes into {@code directory} of the instance from now on, creating it (and its parents)
   * on the host if it does not exist.
   */
  IncusPushEvents watch(String directory) {
    Path onHost =
        incus
            .hostPath(directory)
            .orElseThrow(
                () -> new IllegalStateException("the instance's rootfs is not readable here"));
    try {
      Files.createDirectories(onHost);
      directories.put(onHost.register(watcher, StandardWatchEventKinds.ENTRY_CREATE), directory);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot watch " + onHost, e);
    }
    return this;
  }

  /** Completed pushes of {@code path} seen so far (its directory must be watched). */
  long pushesOf(String path) {
    if (overflowed) {
      throw new IllegalStateException("inotify overflowed: counts are incomplete");
    }
    AtomicLong count = pushes.get(path);
    return count == null ? 0 : count.get();
  }

  /** Every completed push seen, any path. */
  long totalEvents() {
    return events.get();
  }

  /** Waits until no push arrived for {@code quiet}, at most {@code max}. */
  void awaitQuiet(Duration quiet, Duration max) {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end && System.nanoTime() - lastEventNanos < quiet.toNanos()) {
      ChaosSupport.sleep(Duration.ofMillis(100));
    }
  }

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (IOException ignored) {
      // closing at the end of a test
    }
  }

  private void read() {
    try {
      while (true) {
        WatchKey key = watcher.take();
        String directory = directories.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            overflowed = true;
          } else if (directory != null
              && event.context() instanceof Path name
              && !name.toString().startsWith(".uplink-")) {
            String path = directory + "/" + name;
            pushes.computeIfAbsent(path, p -> new AtomicLong()).addAndGet(event.count());
            events.addAndGet(event.count());
            lastEventNanos = System.nanoTime();
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop counting
    }
  }
}
