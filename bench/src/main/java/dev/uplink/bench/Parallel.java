package dev.uplink.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/** Runs an action on every item of a list, a fixed number at a time. */
final class Parallel {

  private Parallel() {}

  /** Runs {@code action} on every item, {@code threads} at a time; rethrows the first failure. */
  static <T> void forEach(int threads, List<T> items, Consumer<T> action) {
    map(
        threads,
        items,
        item -> {
          action.accept(item);
          return null;
        });
  }

  /** {@code action}'s results for every item, in order, {@code threads} at a time. */
  static <T, R> List<R> map(int threads, List<T> items, Function<T, R> action) {
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<R>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> action.apply(item)));
      }
      List<R> results = new ArrayList<>();
      for (Future<R> f : futures) {
        results.add(f.get());
      }
      return results;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
