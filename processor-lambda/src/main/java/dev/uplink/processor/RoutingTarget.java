package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file target of each Incus remote, picked by the destination's {@link Destination#remote()}:
 * each remote has its own target (its own connection, certificates, pinned server certificate and
 * session pool), so one remote's outage or cap never touches another's tasks. A destination naming
 * a remote this processor does not know fails permanently ({@link UnknownRemoteException}).
 *
 * <p>{@link #host} keys the per-host cap and the circuit breaker per remote: the default remote's
 * hosts are named as its target names them, a named remote's as {@code HOST of remote NAME}, so two
 * remotes are two hosts even when they are the same server.
 */
public final class RoutingTarget implements FileTarget, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RoutingTarget.class);
  private static final String OF_REMOTE = " of remote ";

  private final Map<String, FileTarget> byRemote;

  /**
   * @param byRemote each remote's target by name; {@link Destination#DEFAULT_REMOTE} (the empty
   *     name) is the default remote's and must be there
   */
  public RoutingTarget(Map<String, FileTarget> byRemote) {
    this.byRemote = Collections.unmodifiableMap(new LinkedHashMap<>(byRemote));
    if (!this.byRemote.containsKey(Destination.DEFAULT_REMOTE)) {
      throw new IllegalArgumentException("the default remote's target is required");
    }
    this.byRemote.values().forEach(target -> Objects.requireNonNull(target, "target"));
  }

  /** Only the default remote's target. */
  public static RoutingTarget only(FileTarget defaultTarget) {
    return new RoutingTarget(Map.of(Destination.DEFAULT_REMOTE, defaultTarget));
  }

  /** Each remote's target by name, the default remote's first (under the empty name). */
  public Map<String, FileTarget> byRemote() {
    return byRemote;
  }

  /** The target of {@code remote} (empty: the default remote's). */
  public FileTarget target(String remote) throws UnknownRemoteException {
    FileTarget target = byRemote.get(remote);
    if (target == null) {
      throw new UnknownRemoteException(
          remote,
          "The task names the Incus remote '%s', which this processor is not configured for (it knows %s): add it to UPLINK_INCUS_REMOTES with its UPLINK_INCUS_REMOTE_*_URL and certificates, then retry the task"
              .formatted(remote, known()));
    }
    return target;
  }

  @Override
  public void push(PushRequest request) throws PushException {
    target(request.destination().remote()).push(request);
  }

  @Override
  public String host(Destination destination) {
    String remote = destination.remote();
    FileTarget target = byRemote.get(remote);
    if (target == null) {
      return "unknown remote " + remote; // its push fails at once, whatever the cap or circuit
    }
    String host = target.host(destination);
    return remote.isEmpty() ? host : host + OF_REMOTE + remote;
  }

  /**
   * The host {@code remote}'s tasks are counted against (the per-host cap, the circuit breaker), as
   * {@link #host} names it for any destination on that remote.
   *
   * @throws IllegalArgumentException if the remote is not one of this target's
   */
  public String hostOf(String remote) {
    if (!byRemote.containsKey(remote)) {
      throw new IllegalArgumentException("not a remote of this processor: " + remote);
    }
    // The targets name one host per server, whatever the instance and path.
    return host(Destination.of("any", "/any").on(remote, null));
  }

  /** Every remote answers: the first that does not is the failure. */
  @Override
  public void checkReady() throws PushException {
    for (FileTarget target : distinctTargets()) {
      target.checkReady();
    }
  }

  /** Asks only the remote whose host {@code host} is. */
  @Override
  public void checkReady(String host) throws PushException {
    int of = host.lastIndexOf(OF_REMOTE);
    String remote = of < 0 ? Destination.DEFAULT_REMOTE : host.substring(of + OF_REMOTE.length());
    FileTarget target = byRemote.get(remote);
    if (target == null) {
      return; // not a host of ours: nothing to probe, and nothing to hold for
    }
    target.checkReady(of < 0 ? host : host.substring(0, of));
  }

  /** Closes each remote's target once (the default remote may also be a named one). */
  @Override
  public void close() {
    for (FileTarget target : distinctTargets()) {
      if (target instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          log.warn("Closing the file target {} failed", target, e);
        }
      }
    }
  }

  private List<FileTarget> distinctTargets() {
    Set<FileTarget> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    var distinct = new ArrayList<FileTarget>();
    for (FileTarget target : byRemote.values()) {
      if (seen.add(target)) {
        distinct.add(target);
      }
    }
    return distinct;
  }

  private String known() {
    var names = new ArrayList<String>();
    byRemote.keySet().forEach(name -> names.add(name.isEmpty() ? "the default remote" : name));
    return String.join(", ", names);
  }
}
