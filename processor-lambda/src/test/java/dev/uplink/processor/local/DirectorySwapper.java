package dev.uplink.processor.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps swapping a directory with a symbolic link leading elsewhere, as fast as it can, so that a
 * path resolved twice is likely to meet the link the second time. Two ways:
 *
 * <ul>
 *   <li>{@link #byRenames}: a thread renaming the directory aside, the link into its place, and
 *       back (four renames a round; the name is briefly missing, and a push may create it then);
 *   <li>{@link #byExchange}: a helper process calling {@code renameat2(RENAME_EXCHANGE)}, which
 *       swaps both names in one step, so the name always exists (needs Python 3 on Linux; it stops
 *       when a file named like the directory plus {@code .stop} appears beside it).
 * </ul>
 */
abstract class DirectorySwapper implements AutoCloseable {

  final Path directory;
  final Path link;

  private DirectorySwapper(Path directory, Path link) {
    this.directory = directory;
    this.link = link;
  }

  /** How many swaps were made so far. */
  abstract long swaps();

  /** A Java thread swapping {@code directory} and {@code link} with plain renames. */
  static DirectorySwapper byRenames(Path directory, Path link) {
    var swapper = new RenamingSwapper(directory, link);
    swapper.thread.start();
    return swapper;
  }

  /**
   * A Python process swapping them with {@code renameat2(RENAME_EXCHANGE)}; empty if there is no
   * Python 3 with {@code renameat2} here.
   */
  static java.util.Optional<DirectorySwapper> byExchange(Path directory, Path link)
      throws IOException {
    String script =
        String.join(
            "\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "a, b, stop = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3]",
            "print('ready', flush=True)",
            "n = 0",
            "while n % 256 != 0 or not os.path.exists(stop):",
            "    if libc.renameat2(-100, a, -100, b, 2) != 0:",
            "        sys.exit('renameat2: errno %d' % ctypes.get_errno())",
            "    n += 1",
            "print(n, flush=True)");
    Process process;
    try {
      process =
          new ProcessBuilder(
                  "python3",
                  "-c",
                  script,
                  directory.toString(),
                  link.toString(),
                  stopFile(directory).toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
    var out = process.inputReader();
    String first = out.readLine();
    if (!"ready".equals(first)) {
      process.destroyForcibly();
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ExchangingSwapper(directory, link, process, out));
  }

  /** The file whose existence tells the helper process to stop (after an even number of swaps). */
  private static Path stopFile(Path directory) {
    return directory.resolveSibling(directory.getFileName() + ".stop");
  }

  /** Four renames a round; recovers when a push recreated the directory's name meanwhile. */
  private static final class RenamingSwapper extends DirectorySwapper {
    private final Thread thread = new Thread(this::run, "directory-swapper");
    private final AtomicLong swaps = new AtomicLong();
    private final Path parked;
    private volatile boolean stop;
    private int strays;

    RenamingSwapper(Path directory, Path link) {
      super(directory, link);
      this.parked = directory.resolveSibling(directory.getFileName() + ".parked");
      thread.setDaemon(true);
    }

    private void run() {
      while (!stop) {
        try {
          rename(directory, parked);
          rename(link, directory); // the directory's name now leads elsewhere
          swaps.incrementAndGet();
          rename(directory, link);
          rename(parked, directory);
          swaps.incrementAndGet();
        } catch (IOException e) {
          recover();
        }
      }
      recover();
    }

    private static void rename(Path from, Path to) throws IOException {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Back to: the directory under its name, the link under its own. */
    private void recover() {
      try {
        if (Files.isSymbolicLink(directory)) {
          rename(directory, link);
        }
        if (Files.exists(parked, LinkOption.NOFOLLOW_LINKS)) {
          if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            // A push created the name while it was free: keep what it wrote, inside the tree.
            rename(directory, directory.resolveSibling("stray-" + ++strays));
          }
          rename(parked, directory);
        }
      } catch (IOException e) {
        // tried again after the next round
      }
    }

    @Override
    long swaps() {
      return swaps.get();
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  /** renameat2(RENAME_EXCHANGE) in a helper process; counts what it reports. */
  private static final class ExchangingSwapper extends DirectorySwapper {
    private final Process process;
    private final AtomicLong swaps = new AtomicLong();
    private final Thread reader;

    ExchangingSwapper(Path directory, Path link, Process process, java.io.BufferedReader out) {
      super(directory, link);
      this.process = process;
      this.reader =
          new Thread(
              () -> {
                try {
                  for (String line; (line = out.readLine()) != null; ) {
                    if (!line.isEmpty() && line.chars().allMatch(Character::isDigit)) {
                      swaps.set(Long.parseLong(line));
                    } else {
                      System.out.println("swapper: " + line);
                    }
                  }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "swapper-output");
      reader.setDaemon(true);
      reader.start();
    }

    @Override
    long swaps() {
      return swaps.get();
    }

    /** Stops the helper after an even number of swaps: the directory and link as they were. */
    @Override
    public void close() throws Exception {
      Files.createFile(stopFile(directory));
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      reader.join(TimeUnit.SECONDS.toMillis(5));
      Files.delete(stopFile(directory));
    }
  }
}
