package dev.uplink.processor;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker per target host, so that an unreachable Incus does not use up its tasks'
 * retries.
 *
 * <ul>
 *   <li><b>Closed</b> (the host answers): tasks go through. Each failure to reach the host
 *       (connection refused or reset, timeout, HTTP 5xx: {@link TargetUnavailableException})
 *       counts; any answer from it resets the count.
 *   <li><b>Open</b> after {@code openAfter} consecutive failures: tasks for the host are not
 *       claimed; their messages are put back ({@link WorkerSettings#hold}).
 *   <li><b>Half-open</b>: {@link #firstProbe} after it opened, then at doubling intervals up to
 *       {@code maxProbeInterval}, one caller at a time is let {@link Admission#PROBE probe} the
 *       host (a cheap request, not a push). An answer closes the circuit (listeners hear of it: the
 *       poller makes the messages it put back visible again); a failure keeps it open until the
 *       next probe.
 * </ul>
 *
 * Thread-safe. The state lives in this process only: each poller and each Lambda instance learns on
 * its own that a host is down (after {@code openAfter} failures) and up again (one probe).
 */
public final class HostCircuits {

  /** How soon after opening a circuit its host is probed first. */
  public static final Duration FIRST_PROBE = Duration.ofSeconds(1);

  /** The longest between two probes of an open circuit, unless the hold cap is shorter. */
  public static final Duration MAX_PROBE_INTERVAL = Duration.ofSeconds(10);

  /** A probe that never reported back (its caller died) no longer blocks the next after this. */
  private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(2);

  private static final Logger log = LoggerFactory.getLogger(HostCircuits.class);

  /** What a task for a host may do now. */
  public enum Admission {
    /** The circuit is closed: go ahead. */
    PASS,
    /** The circuit is open: put the message back, unclaimed. */
    HOLD,
    /** The circuit is open and a probe is due: probe the host, report, then decide. */
    PROBE
  }

  private final int openAfter;
  private final Duration maxProbeInterval;
  private final Clock clock;
  private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();
  private final List<Consumer<String>> onClose = new CopyOnWriteArrayList<>();

  /**
   * @param openAfter consecutive failures that open a host's circuit
   * @param maxProbeInterval the longest between two probes ({@link #MAX_PROBE_INTERVAL} at most)
   * @param clock what "now" is
   */
  public HostCircuits(int openAfter, Duration maxProbeInterval, Clock clock) {
    if (openAfter < 1) {
      throw new IllegalArgumentException("openAfter must be at least 1, got " + openAfter);
    }
    this.openAfter = openAfter;
    Objects.requireNonNull(maxProbeInterval, "maxProbeInterval");
    this.maxProbeInterval =
        maxProbeInterval.compareTo(MAX_PROBE_INTERVAL) > 0 ? MAX_PROBE_INTERVAL : maxProbeInterval;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Calls {@code listener} with the host whenever a circuit closes. */
  public void onClose(Consumer<String> listener) {
    onClose.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Consecutive failures that open a circuit. */
  public int openAfter() {
    return openAfter;
  }

  /** What a task for {@code host} may do now; {@link Admission#PROBE} reserves the probe. */
  public Admission admit(String host) {
    Circuit circuit = circuits.get(host);
    return circuit == null ? Admission.PASS : circuit.admit(clock.instant());
  }

  /** Whether any host's circuit is open. */
  public boolean anyOpen() {
    return circuits.values().stream().anyMatch(Circuit::isOpen);
  }

  public boolean isOpen(String host) {
    Circuit circuit = circuits.get(host);
    return circuit != null && circuit.isOpen();
  }

  /** Since when {@code host}'s circuit has been open; empty when it is closed. */
  public Optional<Instant> openSince(String host) {
    Circuit circuit = circuits.get(host);
    return circuit == null ? Optional.empty() : circuit.openSince();
  }

  /** Hosts whose circuit is open and due a probe, each reserved for the caller to probe. */
  public List<String> dueProbes() {
    Instant now = clock.instant();
    return circuits.entrySet().stream()
        .filter(e -> e.getValue().admit(now) == Admission.PROBE)
        .map(Map.Entry::getKey)
        .toList();
  }

  /**
   * {@code host} could not be reached ({@code why}): may open its circuit; if it is open, and this
   * is the outcome of the probe it let through, the next probe comes after twice the interval.
   */
  public void failed(String host, String why) {
    circuits.computeIfAbsent(host, Circuit::new).failed(clock.instant(), why);
  }

  /** {@code host} answered (a push went through, or it refused one for a reason of its own). */
  public void succeeded(String host) {
    Circuit circuit = circuits.get(host);
    if (circuit != null && circuit.succeeded(clock.instant())) {
      onClose.forEach(
          listener -> {
            try {
              listener.accept(host);
            } catch (RuntimeException e) {
              log.warn("A listener of circuit {} failed", host, e);
            }
          });
    }
  }

  /** One host's circuit. */
  private final class Circuit {

    private final String host;
    private int consecutiveFailures;
    private Instant openedAt;
    private Instant nextProbe;
    private Duration probeInterval;
    private Instant probeStarted;

    Circuit(String host) {
      this.host = host;
    }

    synchronized boolean isOpen() {
      return openedAt != null;
    }

    synchronized Optional<Instant> openSince() {
      return Optional.ofNullable(openedAt);
    }

    synchronized Admission admit(Instant now) {
      if (openedAt == null) {
        return Admission.PASS;
      }
      boolean probing = probeStarted != null && now.isBefore(probeStarted.plus(PROBE_TIMEOUT));
      if (!probing && !now.isBefore(nextProbe)) {
        probeStarted = now;
        return Admission.PROBE;
      }
      return Admission.HOLD;
    }

    synchronized void failed(Instant now, String why) {
      consecutiveFailures++;
      if (openedAt == null) {
        if (consecutiveFailures >= openAfter) {
          openedAt = now;
          probeInterval =
              FIRST_PROBE.compareTo(maxProbeInterval) > 0 ? maxProbeInterval : FIRST_PROBE;
          nextProbe = now.plus(probeInterval);
          log.warn(
              "Incus host {} is unreachable ({} failures in a row, the last: {}): circuit open."
                  + " Its tasks wait, unclaimed and without using up their retries; probing it"
                  + " from {} on",
              host,
              consecutiveFailures,
              why,
              nextProbe);
        }
        return;
      }
      if (probeStarted == null) {
        return; // a push that was under way when it opened: the probe schedule stands
      }
      probeStarted = null;
      Duration doubled = probeInterval.multipliedBy(2);
      probeInterval = doubled.compareTo(maxProbeInterval) > 0 ? maxProbeInterval : doubled;
      nextProbe = now.plus(probeInterval);
      log.info(
          "Incus host {} still unreachable after {} ({}); next probe in {}",
          host,
          Duration.between(openedAt, now),
          why,
          probeInterval);
    }

    /** Whether this closed an open circuit. */
    synchronized boolean succeeded(Instant now) {
      consecutiveFailures = 0;
      probeStarted = null;
      if (openedAt == null) {
        return false;
      }
      log.info(
          "Incus host {} answers again after {} unreachable: circuit closed, its tasks go ahead",
          host,
          Duration.between(openedAt, now));
      openedAt = null;
      nextProbe = null;
      probeInterval = null;
      return true;
    }
  }
}
