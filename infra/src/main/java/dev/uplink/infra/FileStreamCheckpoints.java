package dev.uplink.infra;

import dev.uplink.core.aws.StreamCheckpoints;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Stream positions in a small file of the local stack's data directory: the stream itself lives in
 * DynamoDB Local's files there, so a restarted stack goes on where the last one stopped. Each
 * change replaces the file whole (write beside, then rename), so a crash leaves the old or the new
 * file.
 */
final class FileStreamCheckpoints implements StreamCheckpoints {

  private static final String FINISHED = "finished";

  private final Path file;
  private final Properties positions = new Properties();

  FileStreamCheckpoints(Path file) {
    this.file = Objects.requireNonNull(file, "file");
    if (Files.exists(file)) {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        positions.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read stream positions from " + file, e);
      }
    }
  }

  @Override
  public synchronized Optional<String> position(String shardId) {
    return Optional.ofNullable(positions.getProperty(shardId)).filter(p -> !FINISHED.equals(p));
  }

  @Override
  public synchronized boolean finished(String shardId) {
    return FINISHED.equals(positions.getProperty(shardId));
  }

  @Override
  public synchronized void advance(String shardId, String sequenceNumber) {
    positions.setProperty(shardId, sequenceNumber);
    save();
  }

  @Override
  public synchronized void finish(String shardId) {
    positions.setProperty(shardId, FINISHED);
    save();
  }

  private void save() {
    Path fresh = file.resolveSibling(file.getFileName() + ".new");
    try {
      Files.createDirectories(file.getParent());
      try (Writer out = Files.newBufferedWriter(fresh, StandardCharsets.UTF_8)) {
        positions.store(out, "Task table stream: last sequence number handed on, per shard");
      }
      Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write stream positions to " + file, e);
    }
  }
}
