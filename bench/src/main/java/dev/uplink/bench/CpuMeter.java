package dev.uplink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time (user + system, from {@code /proc/PID/stat}) that named processes spend between {@link
 * #start} and {@link #stop}: on a 2-core machine shared by the API, the poller, the emulators and
 * incusd, it tells which of them a throughput is bound by.
 *
 * <p>incusd is counted with its whole process tree: incusd does the file work of REST file requests
 * and SFTP sessions in {@code incusd forkfile} helper processes (one per instance, kept alive
 * between requests), so its own figures miss much of the work. The tree's figure is {@code utime +
 * stime + cutime + cstime} of incusd and of every live process whose parent chain leads to it: a
 * helper that exits is reaped by its parent in the tree, and its CPU moves into that parent's
 * {@code cutime}/{@code cstime}, so the sum counts it whether it lived through the whole window or
 * not.
 */
final class CpuMeter {

  /** Linux reports {@code utime} and {@code stime} in clock ticks of 1/100 s. */
  private static final double TICKS_PER_SECOND = 100;

  static final String INCUSD = "incusd";

  private final Map<String, Long> pids = new LinkedHashMap<>();
  private final Map<String, Long> before = new LinkedHashMap<>();
  private boolean withIncusd;
  private Optional<Tree> incusdBefore = Optional.empty();
  private boolean buildBefore;
  private long startedNanos;

  /** Adds a process; one that does not exist (any more) counts as zero. */
  CpuMeter process(String name, long pid) {
    pids.put(name, pid);
    return this;
  }

  /** Adds incusd and every process under it (its {@code forkfile} helpers), if it runs here. */
  CpuMeter incusd() {
    withIncusd = true;
    return this;
  }

  CpuMeter start() {
    buildBefore = Machine.otherBuildRunning();
    pids.forEach((name, pid) -> before.put(name, ticks(pid).orElse(0L)));
    if (withIncusd) {
      incusdBefore = Tree.sample();
    }
    startedNanos = System.nanoTime();
    return this;
  }

  /** What each process spent since {@link #start}, in CPU seconds, and the wall time. */
  Usage stop() {
    double wall = (System.nanoTime() - startedNanos) / 1e9;
    Map<String, Double> seconds = new LinkedHashMap<>();
    pids.forEach(
        (name, pid) ->
            seconds.put(
                name, (ticks(pid).orElse(0L) - before.getOrDefault(name, 0L)) / TICKS_PER_SECOND));
    int helpers = 0;
    if (withIncusd) {
      Optional<Tree> after = Tree.sample();
      double incusd = Double.NaN; // not running, or restarted meanwhile: no figure
      if (incusdBefore.isPresent()
          && after.isPresent()
          && incusdBefore.get().sameDaemon(after.get())) {
        incusd = (after.get().ticks() - incusdBefore.get().ticks()) / TICKS_PER_SECOND;
        helpers = Math.max(incusdBefore.get().helpers(), after.get().helpers());
      }
      seconds.put(INCUSD, incusd);
    }
    boolean build = buildBefore || Machine.otherBuildRunning();
    return new Usage(wall, seconds, helpers, build);
  }

  /**
   * CPU seconds per process over {@code wallSeconds}.
   *
   * @param wallSeconds the wall time measured
   * @param cpuSeconds CPU seconds spent by each process in that time (NaN: unknown)
   * @param incusdHelpers the most processes seen under incusd (at start or stop)
   * @param otherBuild whether another Maven build ran at the start or the end
   */
  record Usage(
      double wallSeconds, Map<String, Double> cpuSeconds, int incusdHelpers, boolean otherBuild) {

    /** Milliseconds of CPU per item for one process (NaN if unknown). */
    double msPer(String name, int items) {
      return cpuSeconds.getOrDefault(name, Double.NaN) * 1000 / items;
    }

    /** {@code name 1.2 s, ...; all N% of the machine}, and per item in ms if {@code items > 0}. */
    String describe(int items) {
      var parts = new StringBuilder();
      double total = 0;
      for (var e : cpuSeconds.entrySet()) {
        if (parts.length() > 0) {
          parts.append(", ");
        }
        if (e.getValue().isNaN()) {
          parts.append(e.getKey()).append(" unknown (restarted)");
          continue;
        }
        total += e.getValue();
        parts.append(e.getKey());
        if (e.getKey().equals(INCUSD)) {
          parts.append(" with its ").append(incusdHelpers).append(" helper(s)");
        }
        parts.append(' ').append(Stats.f1(e.getValue())).append(" s");
        if (items > 0) {
          parts.append(" (").append(Stats.f1(e.getValue() * 1000 / items)).append(" ms/task)");
        }
      }
      int cores = Runtime.getRuntime().availableProcessors();
      return parts
          + "; together "
          + Stats.f0(100 * total / (wallSeconds * cores))
          + "% of "
          + cores
          + " cores over "
          + Stats.f1(wallSeconds)
          + " s"
          + (otherBuild ? " (another Maven build was running)" : "");
    }
  }

  /**
   * incusd's process tree at one instant: the daemon's pid and start time (to notice a restart),
   * its helpers, and the sum of their CPU ticks including reaped children's.
   */
  private record Tree(long pid, long startTime, int helpers, long ticks) {

    boolean sameDaemon(Tree other) {
      return pid == other.pid && startTime == other.startTime;
    }

    static Optional<Tree> sample() {
      List<Stat> all = new ArrayList<>();
      try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
        entries
            .map(p -> p.getFileName().toString())
            .filter(n -> n.chars().allMatch(Character::isDigit))
            .forEach(n -> Stat.read(Long.parseLong(n)).ifPresent(all::add));
      } catch (IOException e) {
        return Optional.empty();
      }
      Map<Long, Stat> byPid = new HashMap<>();
      Map<Long, List<Stat>> children = new HashMap<>();
      for (Stat s : all) {
        byPid.put(s.pid(), s);
        children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
      }
      // The daemon: an incusd whose parent is not an incusd (the helpers run the same binary).
      Optional<Stat> daemon =
          all.stream()
              .filter(s -> s.comm().equals("incusd"))
              .filter(s -> !byPid.getOrDefault(s.ppid(), Stat.NONE).comm().equals("incusd"))
              .filter(s -> !cmdline(s.pid()).contains("forkfile"))
              .findFirst();
      if (daemon.isEmpty()) {
        return Optional.empty();
      }
      long ticks = 0;
      int helpers = 0;
      Deque<Stat> todo = new ArrayDeque<>(List.of(daemon.get()));
      while (!todo.isEmpty()) {
        Stat s = todo.pop();
        ticks += s.ticksWithChildren();
        if (s != daemon.get()) {
          helpers++;
        }
        todo.addAll(children.getOrDefault(s.pid(), List.of()));
      }
      return Optional.of(new Tree(daemon.get().pid(), daemon.get().startTime(), helpers, ticks));
    }
  }

  /** The fields of {@code /proc/PID/stat} used here. */
  private record Stat(
      long pid, String comm, long ppid, long startTime, long ticks, long childTicks) {

    static final Stat NONE = new Stat(0, "", 0, 0, 0, 0);

    long ticksWithChildren() {
      return ticks + childTicks;
    }

    static Optional<Stat> read(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String comm = stat.substring(open + 1, close);
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        // f[0] is field 3 (state), so field N is f[N - 3].
        String[] f = stat.substring(close + 2).split(" ");
        return Optional.of(
            new Stat(
                pid,
                comm,
                Long.parseLong(f[1]),
                Long.parseLong(f[19]),
                Long.parseLong(f[11]) + Long.parseLong(f[12]),
                Long.parseLong(f[13]) + Long.parseLong(f[14])));
      } catch (IOException | RuntimeException e) {
        return Optional.empty(); // gone meanwhile
      }
    }
  }

  private static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  private static Optional<Long> ticks(long pid) {
    return Stat.read(pid).map(Stat::ticks);
  }
}
