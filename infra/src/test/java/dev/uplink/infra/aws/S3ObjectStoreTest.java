package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore.StoredObject;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

class S3ObjectStoreTest {

  private static final int MIB = 1024 * 1024;
  private static final int PART_SIZE = 5 * MIB;

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static S3Client s3;
  private static String bucket;
  private static S3ObjectStore store;

  @BeforeAll
  static void createStore() {
    s3 = aws.clients().s3();
    bucket = aws.settings().bucket();
    store = new S3ObjectStore(s3, bucket, PART_SIZE);
  }

  @Test
  void givenSmallStream_whenPutAndOpened_thenSameBytesInOneRequest() throws Exception {
    var content = new GeneratedStream(1, 1234);

    long stored = store.put("small", content);

    assertThat(stored).isEqualTo(1234);
    assertThat(eTag("small")).as("a single PutObject's ETag has no part count").doesNotContain("-");
    assertThat(sha256Of("small")).isEqualTo(content.sha256());
  }

  @Test
  void givenEmptyStream_whenPut_thenEmptyObject() throws Exception {
    assertThat(store.put("empty", InputStream.nullInputStream())).isZero();

    try (StoredObject object = store.open("empty")) {
      assertThat(object.size()).isZero();
      assertThat(object.content().readAllBytes()).isEmpty();
    }
  }

  @Test
  void givenStreamOfExactlyOnePart_whenPut_thenOnePutObject() throws Exception {
    var content = new GeneratedStream(2, PART_SIZE);

    assertThat(store.put("one-part", content)).isEqualTo(PART_SIZE);

    assertThat(eTag("one-part")).as("single PutObject").doesNotContain("-");
    assertThat(sha256Of("one-part")).isEqualTo(content.sha256());
  }

  @Test
  void givenStreamEndingBetweenBufferDoublings_whenPut_thenOnePutObjectByteIdentical()
      throws Exception {
    // The buffer grows 256 KiB, 512 KiB, ... up to the part size: end between two of those.
    int size = 3 * MIB + 17;
    var content = new GeneratedStream(5, size);

    assertThat(store.put("grown", content)).isEqualTo(size);

    assertThat(eTag("grown")).as("single PutObject").doesNotContain("-");
    assertThat(sha256Of("grown")).isEqualTo(content.sha256());
  }

  @Test
  void givenStreamOfThreeAndAHalfParts_whenPut_thenMultipartAndByteIdentical() throws Exception {
    long size = 3 * PART_SIZE + PART_SIZE / 2;
    var content = new GeneratedStream(3, size);

    long stored = store.put("big", content);

    assertThat(stored).isEqualTo(size);
    assertThat(eTag("big")).as("a multipart ETag names its 4 parts").endsWith("-4\"");
    try (StoredObject object = store.open("big")) {
      assertThat(object.size()).isEqualTo(size);
    }
    assertThat(sha256Of("big")).as("SHA-256 of the stored object").isEqualTo(content.sha256());
  }

  @Test
  void givenStreamFailingAfter7MiB_whenPut_thenFailsAndLeavesNoObjectNorUpload() {
    InputStream failing = new GeneratedStream(4, 7 * MIB).thenFail();

    assertThatThrownBy(() -> store.put("broken", failing))
        .isInstanceOf(UncheckedIOException.class)
        .hasRootCauseMessage("client went away");

    assertThatThrownBy(() -> s3.headObject(r -> r.bucket(bucket).key("broken")))
        .as("no object")
        .isInstanceOf(NoSuchKeyException.class);
    assertThat(s3.listMultipartUploads(r -> r.bucket(bucket).prefix("broken")).uploads())
        .as("in-progress multipart uploads")
        .isEmpty();
  }

  @Test
  void givenStartedMultipartUpload_whenListed_thenTheEmulatorReportsIt() {
    // Keeps the test above honest: listing really shows an upload that was not aborted.
    String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key("listed")).uploadId();
    try {
      assertThat(s3.listMultipartUploads(r -> r.bucket(bucket).prefix("listed")).uploads())
          .as("in-progress multipart uploads")
          .singleElement()
          .satisfies(upload -> assertThat(upload.uploadId()).isEqualTo(uploadId));
    } finally {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key("listed").uploadId(uploadId));
    }
  }

  @Test
  void givenMissingKey_whenOpened_thenObjectMissing() {
    assertThatThrownBy(() -> store.open("no-such-key"))
        .isInstanceOf(ObjectMissingException.class)
        .hasMessageContaining("no-such-key")
        .hasCauseInstanceOf(NoSuchKeyException.class);
  }

  @Test
  void givenStoredObject_whenDeletedTwice_thenGoneAndNoError() {
    store.put("doomed", new GeneratedStream(5, 10));

    store.delete("doomed");

    assertThatCode(() -> store.delete("doomed")).doesNotThrowAnyException();
    assertThatThrownBy(() -> store.open("doomed")).isInstanceOf(ObjectMissingException.class);
  }

  @Test
  void givenMissingKey_whenDeleted_thenNoError() {
    assertThatCode(() -> store.delete("never-existed")).doesNotThrowAnyException();
  }

  private static String eTag(String key) {
    return s3.headObject(r -> r.bucket(bucket).key(key)).eTag();
  }

  private static String sha256Of(String key) throws Exception {
    var digest = MessageDigest.getInstance("SHA-256");
    try (StoredObject object = store.open(key)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = object.content().read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Pseudo-random bytes of a given length, generated on the fly (no big arrays in the test) and
   * hashed as they are read; optionally failing like a dropped client connection at the end.
   */
  private static final class GeneratedStream extends InputStream {
    private final Random random;
    private final MessageDigest digest;
    private long remaining;
    private boolean failAtEnd;

    GeneratedStream(long seed, long length) {
      this.random = new Random(seed);
      this.remaining = length;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    GeneratedStream thenFail() {
      failAtEnd = true;
      return this;
    }

    String sha256() {
      return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining == 0) {
        if (failAtEnd) {
          throw new IOException("client went away");
        }
        return -1;
      }
      // Short reads, like a socket's: at most 64 KiB at a time.
      int n = (int) Math.min(Math.min(length, remaining), 64 * 1024);
      byte[] chunk = new byte[n];
      random.nextBytes(chunk);
      System.arraycopy(chunk, 0, buffer, offset, n);
      digest.update(chunk);
      remaining -= n;
      return n;
    }
  }
}
