package dev.uplink.core.aws;

import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link ObjectStore} on an S3 bucket through the plain {@link S3Client}. Uploads stream through
 * reusable buffers of at most {@code partSizeBytes}: a stream that ends within the first part
 * becomes one {@code PutObject}, anything longer a multipart upload of full parts. Memory stays at
 * two parts whatever the object's size (one being read, one being sent); nothing is spooled to
 * disk.
 *
 * <p>The buffer starts small and doubles only while the stream goes on, so a small file holds
 * little more than its own size: many small uploads at once must not each hold a whole part (32
 * concurrent 64 KiB uploads with 8 MiB parts exhausted a 256 MiB heap).
 *
 * <p>A failure of S3 is a {@link dev.uplink.core.domain.DependencyException} naming the bucket (the
 * SDK's exception its cause); a missing object is an {@link ObjectMissingException}.
 */
public final class S3ObjectStore implements ObjectStore {

  /** S3's smallest part size (except for the last part). */
  public static final int MIN_PART_SIZE = 5 * 1024 * 1024;

  /** S3's largest part number. */
  static final int MAX_PARTS = 10_000;

  /** The buffer's first size; it doubles up to the part size while the stream goes on. */
  static final int INITIAL_BUFFER = 256 * 1024;

  private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);
  private static final String CONTENT_TYPE = "application/octet-stream";

  private final S3Client s3;
  private final String bucket;
  private final int partSizeBytes;
  private final String dependency;

  public S3ObjectStore(S3Client s3, String bucket, int partSizeBytes) {
    this.s3 = Objects.requireNonNull(s3, "s3");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    if (partSizeBytes < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "partSizeBytes must be at least %d (S3's minimum part size), got %d"
              .formatted(MIN_PART_SIZE, partSizeBytes));
    }
    this.partSizeBytes = partSizeBytes;
    this.dependency = "S3 bucket " + bucket;
  }

  /**
   * {@inheritDoc}
   *
   * @throws UncheckedIOException if reading {@code content} fails (its cause is the IOException)
   */
  @Override
  public long put(String key, InputStream content) {
    return AwsErrors.translated(dependency, () -> putStreaming(key, content));
  }

  private long putStreaming(String key, InputStream content) {
    byte[] buffer = new byte[Math.min(INITIAL_BUFFER, partSizeBytes)];
    int filled = 0;
    int next;
    try {
      while (true) {
        filled += readFully(content, buffer, filled);
        if (filled < buffer.length || buffer.length == partSizeBytes) {
          break;
        }
        buffer = Arrays.copyOf(buffer, (int) Math.min(2L * buffer.length, partSizeBytes));
      }
      // One byte of look-ahead tells a stream of exactly one part from a longer one.
      next = filled == partSizeBytes ? content.read() : -1;
    } catch (IOException e) {
      throw new UncheckedIOException("Reading the content for " + key + " failed", e);
    }
    if (next < 0) {
      long length = filled;
      s3.putObject(
          r -> r.bucket(bucket).key(key).contentType(CONTENT_TYPE).contentLength(length),
          body(buffer, filled));
      return filled;
    }
    return putMultipart(key, content, buffer, next);
  }

  /**
   * Uploads the full {@code buffer} and everything after {@code next}, aborting on any failure.
   *
   * <p>Each part is sent on a thread of its own while the next one is read into a second buffer:
   * receiving and sending overlap instead of taking turns (the upload benchmark measured 0.75 of
   * the SDK's own multipart upload when they took turns). One part in flight, so memory stays at
   * two parts.
   */
  private long putMultipart(String key, InputStream content, byte[] buffer, int next) {
    String uploadId =
        s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(CONTENT_TYPE))
            .uploadId();
    ExecutorService sender =
        Executors.newSingleThreadExecutor(Thread.ofVirtual().name("uplink-s3-part").factory());
    try {
      List<CompletedPart> parts = new ArrayList<>();
      long total = 0;
      byte[] filling = buffer;
      byte[] spare = null;
      int filled = buffer.length;
      int lookahead = next;
      while (true) {
        byte[] part = filling;
        int length = filled;
        int partNumber = parts.size() + 1;
        Future<CompletedPart> sending =
            sender.submit(() -> uploadPart(key, uploadId, partNumber, part, length));
        total += length;
        if (lookahead < 0) {
          parts.add(await(sending));
          break;
        }
        if (partNumber == MAX_PARTS) {
          throw new IllegalStateException(
              "Object %s is larger than %d parts of %d bytes"
                  .formatted(key, MAX_PARTS, partSizeBytes));
        }
        filling = spare != null ? spare : new byte[partSizeBytes];
        filling[0] = (byte) lookahead;
        filled = 1 + readFully(content, filling, 1);
        lookahead = filled == filling.length ? content.read() : -1;
        parts.add(await(sending));
        spare = part; // sent: free for the part after next
      }
      s3.completeMultipartUpload(
          r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
      return total;
    } catch (IOException e) {
      stopSending(sender);
      abort(key, uploadId, e);
      throw new UncheckedIOException("Reading the content for " + key + " failed", e);
    } catch (RuntimeException | Error e) {
      stopSending(sender);
      abort(key, uploadId, e);
      throw e;
    } finally {
      sender.close();
    }
  }

  /** The part a sender thread uploaded; its failure rethrown as it was thrown. */
  private static CompletedPart await(Future<CompletedPart> sending) {
    try {
      return sending.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("Uploading a part failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while uploading a part", e);
    }
  }

  /** Interrupts a part still being sent and waits for it, so the abort that follows is last. */
  private static void stopSending(ExecutorService sender) {
    sender.shutdownNow();
    try {
      if (!sender.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("A part upload did not stop within 30 s; aborting the upload anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private CompletedPart uploadPart(
      String key, String uploadId, int partNumber, byte[] buffer, int length) {
    String etag =
        s3.uploadPart(
                r ->
                    r.bucket(bucket)
                        .key(key)
                        .uploadId(uploadId)
                        .partNumber(partNumber)
                        .contentLength((long) length),
                body(buffer, length))
            .eTag();
    return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
  }

  private void abort(String key, String uploadId, Throwable failure) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    } catch (RuntimeException abortFailure) {
      failure.addSuppressed(abortFailure);
      log.warn(
          "Could not abort multipart upload {} of {}; a bucket lifecycle rule must reclaim it",
          uploadId,
          key,
          abortFailure);
    }
  }

  @Override
  public StoredObject open(String key) {
    try {
      var stream = s3.getObject(r -> r.bucket(bucket).key(key));
      return new StoredObject(stream, stream.response().contentLength());
    } catch (NoSuchKeyException e) {
      throw new ObjectMissingException(key, e);
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    }
  }

  @Override
  public void delete(String key) {
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
    } catch (NoSuchKeyException e) {
      // Already gone: deleting is idempotent.
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    }
  }

  /** The first {@code length} bytes of {@code buffer}, re-readable for retries, never copied. */
  private static RequestBody body(byte[] buffer, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(buffer, 0, length), length, CONTENT_TYPE);
  }

  /**
   * Reads until {@code buffer} is full or the stream ends; returns the bytes read after {@code
   * from}.
   */
  private static int readFully(InputStream in, byte[] buffer, int from) throws IOException {
    int offset = from;
    while (offset < buffer.length) {
      int read = in.read(buffer, offset, buffer.length - offset);
      if (read < 0) {
        break;
      }
      offset += read;
    }
    return offset - from;
  }
}
