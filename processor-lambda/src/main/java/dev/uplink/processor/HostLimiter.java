package dev.uplink.processor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/** At most {@code perHost} pushes to one target host at once, for any number of hosts. */
public final class HostLimiter {

  private final int perHost;
  private final Map<String, Semaphore> hosts = new ConcurrentHashMap<>();

  public HostLimiter(int perHost) {
    if (perHost < 1) {
      throw new IllegalArgumentException("perHost must be at least 1");
    }
    this.perHost = perHost;
  }

  /** Waits for a slot on {@code host}; the caller releases it. */
  public void acquire(String host) throws InterruptedException {
    semaphore(host).acquire();
  }

  public void release(String host) {
    semaphore(host).release();
  }

  /** Pushes now running to {@code host}. */
  public int inUse(String host) {
    return perHost - semaphore(host).availablePermits();
  }

  private Semaphore semaphore(String host) {
    return hosts.computeIfAbsent(host, h -> new Semaphore(perHost, true));
  }
}
