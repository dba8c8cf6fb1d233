package dev.uplink.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from Linux's {@code /proc}: its socket inodes ({@code
 * /proc/PID/fd}) matched against the LISTEN entries of {@code /proc/net/tcp} and {@code tcp6}.
 */
final class ListeningSockets {

  /** One listening socket: the address it is bound to, and its port. */
  record Listener(String address, int port) {
    boolean isLoopback() {
      return address.equals("127.0.0.1") || address.equals("::1") || address.startsWith("127.");
    }

    @Override
    public String toString() {
      return address + ":" + port;
    }
  }

  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  static List<Listener> of(long pid) {
    Set<String> inodes = socketInodes(pid);
    List<Listener> listeners = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : lines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10 || !f[3].equals(LISTEN) || !inodes.contains(f[9])) {
          continue;
        }
        String[] local = f[1].split(":");
        listeners.add(new Listener(address(local[0]), Integer.parseInt(local[1], 16)));
      }
    }
    return listeners;
  }

  private static Set<String> socketInodes(long pid) {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      fds.forEach(
          fd -> {
            try {
              String target = Files.readSymbolicLink(fd).toString();
              if (target.startsWith("socket:[")) {
                inodes.add(target.substring(8, target.length() - 1));
              }
            } catch (IOException e) {
              // closed meanwhile
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return inodes;
  }

  /** /proc's hex address: IPv4 as one little-endian word, IPv6 as four. */
  static String address(String hex) {
    if (hex.length() == 8) {
      long v = Long.parseLong(hex, 16);
      return "%d.%d.%d.%d".formatted(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff);
    }
    StringBuilder bytes = new StringBuilder();
    for (int word = 0; word < 4; word++) {
      String w = hex.substring(word * 8, word * 8 + 8);
      for (int b = 3; b >= 0; b--) {
        bytes.append(w, b * 2, b * 2 + 2);
      }
    }
    String all = bytes.toString().toLowerCase(Locale.ROOT);
    if (all.equals("00000000000000000000000000000000")) {
      return "::";
    }
    if (all.equals("00000000000000000000000000000001")) {
      return "::1";
    }
    if (all.startsWith("00000000000000000000ffff")) { // ::ffff:a.b.c.d
      long v = Long.parseLong(all.substring(24), 16);
      return "%d.%d.%d.%d".formatted((v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
    }
    return all;
  }

  private static List<String> lines(Path table) {
    try {
      if (!Files.exists(table)) {
        return List.of();
      }
      List<String> all = Files.readAllLines(table);
      return all.subList(1, all.size()); // the first line is the header
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
