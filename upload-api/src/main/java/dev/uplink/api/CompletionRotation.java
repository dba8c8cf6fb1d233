package dev.uplink.api;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.TaskId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which presigned uploads a sweep checks for an object that arrived unannounced, when it may check
 * only so many: owners take turns, one upload each, so no owner's backlog (thousands of abandoned
 * presigns, say) delays another owner's upload; the owner who goes first moves on by one every
 * sweep, and each owner's turns go round its own uploads across sweeps, starting after the one
 * checked last. Remembers only the owners it saw last time.
 *
 * <p>Not thread-safe: one sweep at a time.
 */
final class CompletionRotation {

  private final Map<String, TaskId> lastChecked = new HashMap<>();
  private String lastFirstOwner = "";

  /** At most {@code budget} of {@code candidates}, in the order to check them. */
  List<AwaitingUpload> pick(List<AwaitingUpload> candidates, int budget) {
    Map<String, List<AwaitingUpload>> byOwner = new TreeMap<>();
    for (AwaitingUpload upload : candidates) {
      byOwner.computeIfAbsent(upload.owner(), owner -> new ArrayList<>()).add(upload);
    }
    lastChecked.keySet().retainAll(byOwner.keySet());
    List<String> owners = ownersStartingAfter(lastFirstOwner, new ArrayList<>(byOwner.keySet()));
    if (owners.isEmpty()) {
      return List.of();
    }
    lastFirstOwner = owners.get(0);

    var turns = new ArrayList<Deque<AwaitingUpload>>();
    for (String owner : owners) {
      turns.add(roundFrom(lastChecked.get(owner), byOwner.get(owner)));
    }
    var picked = new ArrayList<AwaitingUpload>();
    while (picked.size() < budget && turns.stream().anyMatch(turn -> !turn.isEmpty())) {
      for (Deque<AwaitingUpload> turn : turns) {
        if (picked.size() == budget) {
          break;
        }
        AwaitingUpload next = turn.pollFirst();
        if (next != null) {
          picked.add(next);
          lastChecked.put(next.owner(), next.id());
        }
      }
    }
    return picked;
  }

  /** {@code owners} (sorted) starting with the first after {@code previous}, wrapping round. */
  private static List<String> ownersStartingAfter(String previous, List<String> owners) {
    int start = 0;
    while (start < owners.size() && owners.get(start).compareTo(previous) <= 0) {
      start++;
    }
    var rotated = new ArrayList<String>(owners.subList(start, owners.size()));
    rotated.addAll(owners.subList(0, start));
    return rotated;
  }

  /** One owner's uploads by id, starting after {@code last} and wrapping round. */
  private static Deque<AwaitingUpload> roundFrom(TaskId last, List<AwaitingUpload> uploads) {
    uploads.sort(Comparator.comparing(upload -> upload.id().value()));
    int start = 0;
    if (last != null) {
      while (start < uploads.size()
          && uploads.get(start).id().value().compareTo(last.value()) <= 0) {
        start++;
      }
    }
    var round = new ArrayDeque<AwaitingUpload>(uploads.subList(start, uploads.size()));
    round.addAll(uploads.subList(0, start));
    return round;
  }
}
