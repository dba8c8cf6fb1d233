package dev.uplink.processor;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The name of the file a push writes before renaming it over the destination, in the destination's
 * directory: {@code .uplink-<task>-<attempt>.tmp}. No user file is named like that, it fits in any
 * directory whatever the destination's name (under 60 bytes), and it is tied to one attempt of one
 * task: two workers that both believe they own a task (a lost lease) never write into the same
 * staging file, and a later attempt knows which names a crashed earlier one may have left behind.
 *
 * @param owner the task id (or a random tag outside tasks): letters and digits only
 * @param attempt the attempt number, from 1
 */
public record StagingName(String owner, int attempt) {

  private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9]{1,40}");

  public StagingName {
    Objects.requireNonNull(owner, "owner");
    if (!OWNER.matcher(owner).matches()) {
      throw new IllegalArgumentException("A staging owner is 1-40 letters or digits: " + owner);
    }
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
    }
  }

  /** A name no other push uses, for pushes outside tasks. */
  public static StagingName random() {
    byte[] tag = new byte[10];
    ThreadLocalRandom.current().nextBytes(tag);
    return new StagingName(HexFormat.of().formatHex(tag), 1);
  }

  /** This attempt's file name. */
  public String fileName() {
    return fileName(attempt);
  }

  /**
   * The names earlier attempts of the same task wrote (a crash may have left them), oldest first.
   */
  public List<String> earlierFileNames() {
    List<String> names = new ArrayList<>(attempt - 1);
    for (int earlier = 1; earlier < attempt; earlier++) {
      names.add(fileName(earlier));
    }
    return names;
  }

  private String fileName(int n) {
    return ".uplink-" + owner + "-" + n + ".tmp";
  }
}
