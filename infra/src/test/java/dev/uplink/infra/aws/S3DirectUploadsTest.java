package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.domain.DirectUploads.ObjectFacts;
import dev.uplink.core.domain.DirectUploads.PresignedRequest;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link S3DirectUploads} against S3Proxy 4.1.0 over real sockets, with {@code java.net.http} (and
 * curl when installed) as the client that holds the presigned URLs. Every refusal is checked where
 * it matters: afterwards there is no object.
 *
 * <p>What S3Proxy 4.1.0 was seen to do, and where it differs from AWS:
 *
 * <ul>
 *   <li>Like AWS: SigV4 presigned URLs are checked (tampered signature, other key, expiry, a body
 *       whose length differs from the signed {@code Content-Length}, a missing signed header: all
 *       refused); {@code x-amz-checksum-sha256} is verified ({@code 400 BadDigest}), on a whole
 *       object and on a part, and a whole object's is recorded, so HEAD with checksum mode returns
 *       it as a {@code FULL_OBJECT} checksum; a completion given the parts' SHA-256 checksums
 *       records their composite ({@code "base64-N"}, COMPOSITE); an unsigned {@code Content-Type}
 *       is accepted and stored; a retried part replaces the earlier one; an interrupted part leaves
 *       nothing; parts under 5 MiB (but the last) fail completion ({@code EntityTooSmall}); a
 *       multipart object has no full-object SHA-256.
 *   <li>Unlike AWS: ListParts lists no part checksums, and in an upload started with SHA-256 part
 *       checksums a part without one is accepted (AWS refuses it, and a part with one in an upload
 *       started without); completing without the parts' checksums is accepted (AWS refuses it for
 *       such an upload) and records none. ListParts for an upload that does not exist (never
 *       started, aborted or completed) answers 200 with no parts instead of {@code 404
 *       NoSuchUpload}. The adapter covers that by asking ListMultipartUploads whenever the part
 *       list is empty, so both stores read the same; {@link
 *       #givenUnknownUploadId_whenListed_thenUploadMissing} keeps that honest.
 *   <li>Completing an upload a second time answers 200 and leaves the object intact (AWS may answer
 *       200 for a prompt retry, or {@code NoSuchUpload}): callers must treat both as done.
 * </ul>
 *
 * <p>Whether a refused PUT reads as a 403 or as an {@link IOException} depends on timing: S3Proxy
 * may answer and close before the body is sent. Both count as refused.
 */
class S3DirectUploadsTest {

  private static final int MIB = 1024 * 1024;
  private static final Duration EXPIRY = Duration.ofMinutes(5);

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private static S3Client s3;
  private static String bucket;
  private static S3DirectUploads uploads;

  @BeforeAll
  static void createAdapter() {
    s3 = aws.clients().s3();
    bucket = aws.settings().bucket();
    uploads = S3DirectUploads.of(aws.clients());
  }

  // --- single PUT -----------------------------------------------------------------------------

  @Test
  void givenPresignedPut_thenItSignsLengthAndChecksumAndNamesThemAsHeadersToSend() {
    byte[] body = TestFiles.randomBytes(1000);
    Instant before = Instant.now();

    PresignedRequest put = uploads.presignPut("signed", 1000, TestFiles.sha256(body), EXPIRY);

    assertThat(put.method()).isEqualTo("PUT");
    assertThat(put.url().getPath()).isEqualTo("/" + bucket + "/signed");
    assertThat(put.url().getRawQuery())
        .contains("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256")
        .contains("X-Amz-Expires=300");
    assertThat(put.headers())
        .as("host is in the URL; no Content-Type is signed")
        .containsOnly(
            Map.entry("content-length", "1000"),
            Map.entry("x-amz-checksum-sha256", base64Sha256(body)));
    assertThat(put.expiresAt())
        .isBetween(before.plus(EXPIRY).minusSeconds(2), before.plus(EXPIRY).plusSeconds(2));
  }

  @Test
  void givenSignedBytesAndHeaders_whenPut_thenStoredAndTheStoreRecordedTheSha256()
      throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    String sha256 = TestFiles.sha256(body);
    PresignedRequest put = uploads.presignPut("good", body.length, sha256, EXPIRY);

    Outcome outcome = send(put, body, put.headers());

    assertThat(outcome.status()).as(outcome.toString()).isEqualTo(200);
    assertThat(uploads.inspect("good"))
        .as("S3Proxy keeps x-amz-checksum-sha256 and returns it as a full-object checksum")
        .contains(new ObjectFacts(1000, Optional.of(sha256)));
    assertThat(uploads.sha256Of("good")).isEqualTo(sha256);
  }

  @Test
  void givenSignedHeadersAndAnUnsignedContentType_whenPut_thenStoredWithThatContentType()
      throws Exception {
    byte[] body = TestFiles.randomBytes(100);
    PresignedRequest put = uploads.presignPut("typed", 100, TestFiles.sha256(body), EXPIRY);
    Map<String, String> headers = new HashMap<>(put.headers());
    headers.put("Content-Type", "text/plain");

    assertThat(send(put, body, headers).status()).isEqualTo(200);

    assertThat(s3.headObject(r -> r.bucket(bucket).key("typed")).contentType())
        .isEqualTo("text/plain");
  }

  @Test
  void givenSameLengthButOtherBytes_whenPut_thenBadDigestAndNoObject() throws Exception {
    byte[] declared = TestFiles.randomBytes(1000);
    byte[] sent = declared.clone();
    sent[500] ^= 1;
    PresignedRequest put =
        uploads.presignPut("tampered-bytes", 1000, TestFiles.sha256(declared), EXPIRY);

    Outcome outcome = send(put, sent, put.headers());

    assertThat(outcome.status()).as(outcome.toString()).isEqualTo(400);
    assertThat(outcome.body()).contains("<Code>BadDigest</Code>");
    assertNoObject("tampered-bytes");
  }

  @Test
  void givenSignedChecksumHeaderLeftOut_whenPut_thenSignatureMismatchAndNoObject()
      throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    PresignedRequest put = uploads.presignPut("no-checksum", 1000, TestFiles.sha256(body), EXPIRY);

    Outcome outcome = send(put, body, Map.of());

    assertRefused(outcome);
    assertThat(outcome.body()).contains("SignatureDoesNotMatch");
    assertNoObject("no-checksum");
  }

  @Test
  void givenBodyShorterOrLongerThanSigned_whenPut_thenRefusedAndNoObject() throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    PresignedRequest put = uploads.presignPut("wrong-length", 1000, TestFiles.sha256(body), EXPIRY);

    // java.net.http sets Content-Length from the body: it no longer matches the signed one.
    Outcome shorter = send(put, Arrays.copyOf(body, 999), put.headers());
    Outcome longer = send(put, Arrays.copyOf(body, 1001), put.headers());

    assertRefused(shorter);
    assertRefused(longer);
    assertNoObject("wrong-length");
  }

  @Test
  void givenChunkedBodyWithoutContentLength_whenPut_thenRefusedAndNoObject() throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    PresignedRequest put = uploads.presignPut("chunked", 1000, TestFiles.sha256(body), EXPIRY);

    // A body of unknown length goes out chunked: the signed Content-Length header is missing.
    Outcome outcome =
        send(
            put, BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)), put.headers());

    assertRefused(outcome);
    assertNoObject("chunked");
  }

  @Test
  void givenSignatureWithOneCharacterChanged_whenPut_thenRefusedAndNoObject() throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    PresignedRequest put = uploads.presignPut("forged", 1000, TestFiles.sha256(body), EXPIRY);
    String url = put.url().toString();
    int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
    char other = url.charAt(at) == '0' ? '1' : '0';
    URI forged = URI.create(url.substring(0, at) + other + url.substring(at + 1));

    Outcome outcome = send(put.method(), forged, BodyPublishers.ofByteArray(body), put.headers());

    assertRefused(outcome);
    assertNoObject("forged");
  }

  @Test
  void givenUrlForOneKeyUsedForAnother_whenPut_thenRefusedAndNoObject() throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    PresignedRequest put = uploads.presignPut("granted", 1000, TestFiles.sha256(body), EXPIRY);
    URI swapped = URI.create(put.url().toString().replace("/granted?", "/stolen?"));

    Outcome outcome = send(put.method(), swapped, BodyPublishers.ofByteArray(body), put.headers());

    assertRefused(outcome);
    assertNoObject("stolen");
    assertNoObject("granted");
  }

  @Test
  void givenExpiredUrl_whenPut_thenRefusedAndNoObject() throws Exception {
    byte[] body = TestFiles.randomBytes(1000);
    PresignedRequest put =
        uploads.presignPut("expired", 1000, TestFiles.sha256(body), Duration.ofSeconds(1));
    // SigV4 counts from X-Amz-Date, which has whole seconds: wait past the next full second.
    Thread.sleep(Duration.between(Instant.now(), put.expiresAt()).plusMillis(1500));

    Outcome outcome = send(put, body, put.headers());

    assertRefused(outcome);
    assertThat(outcome.body()).contains("Request has expired");
    assertNoObject("expired");
  }

  @Test
  void givenCurlUploadingAFile_whenPutWithTheSignedHeaders_thenStored(@TempDir Path dir)
      throws Exception {
    assumeThat(Path.of("/usr/bin/curl")).as("curl installed").isExecutable();
    Path file = TestFiles.random(dir.resolve("file.bin"), 3 * MIB + 17);
    String sha256 = TestFiles.sha256(file);
    PresignedRequest put = uploads.presignPut("curled", Files.size(file), sha256, EXPIRY);

    List<String> command =
        new ArrayList<>(List.of("/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"));
    put.headers().entrySet().stream()
        .filter(h -> !h.getKey().equals("content-length")) // curl -T sends the file's length
        .forEach(h -> command.addAll(List.of("-H", h.getKey() + ": " + h.getValue())));
    command.addAll(List.of("-T", file.toString(), put.url().toString()));
    Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(curl.waitFor(60, TimeUnit.SECONDS)).as("curl finished").isTrue();

    assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("200");
    assertThat(uploads.inspect("curled"))
        .contains(new ObjectFacts(Files.size(file), Optional.of(sha256)));
  }

  // --- inspect and sha256Of -------------------------------------------------------------------

  @Test
  void givenObjectStoredWithoutAChecksum_whenInspected_thenSizeOnly() {
    new S3ObjectStore(s3, bucket, S3ObjectStore.MIN_PART_SIZE)
        .put("plain", new ByteArrayInputStream(new byte[1234]));

    assertThat(uploads.inspect("plain")).contains(new ObjectFacts(1234, Optional.empty()));
    assertThat(uploads.sha256Of("plain")).isEqualTo(TestFiles.sha256(new byte[1234]));
  }

  @Test
  void givenMultipartObjectWithCompositeSha256_whenInspected_thenNoFullObjectSha256() {
    // Parts uploaded with SHA-256 checksums: S3 keeps a checksum of checksums ("base64-2").
    byte[] first = TestFiles.randomBytes(5 * MIB);
    byte[] second = TestFiles.randomBytes(1000);
    String uploadId =
        s3.createMultipartUpload(
                r -> r.bucket(bucket).key("composite").checksumAlgorithm(ChecksumAlgorithm.SHA256))
            .uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    for (byte[] part : List.of(first, second)) {
      int number = parts.size() + 1;
      var uploaded =
          s3.uploadPart(
              r ->
                  r.bucket(bucket)
                      .key("composite")
                      .uploadId(uploadId)
                      .partNumber(number)
                      .checksumSHA256(base64Sha256(part)),
              RequestBody.fromBytes(part));
      parts.add(
          CompletedPart.builder()
              .partNumber(number)
              .eTag(uploaded.eTag())
              .checksumSHA256(uploaded.checksumSHA256())
              .build());
    }
    s3.completeMultipartUpload(
        r ->
            r.bucket(bucket)
                .key("composite")
                .uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
    String stored =
        s3.headObject(r -> r.bucket(bucket).key("composite").checksumMode(ChecksumMode.ENABLED))
            .checksumSHA256();
    assertThat(stored).as("the store's composite checksum").endsWith("-2");

    assertThat(uploads.inspect("composite"))
        .contains(new ObjectFacts(5 * MIB + 1000, Optional.empty()));
  }

  @Test
  void givenMissingKey_whenInspected_thenEmpty_andSha256OfSaysMissing() {
    assertThat(uploads.inspect("never-stored")).isEmpty();
    assertThatThrownBy(() -> uploads.sha256Of("never-stored"))
        .isInstanceOf(ObjectMissingException.class)
        .hasMessageContaining("never-stored")
        .hasCauseInstanceOf(NoSuchKeyException.class);
  }

  // --- multipart ------------------------------------------------------------------------------

  @Test
  void givenPresignedPart_thenItSignsTheLengthOnly() {
    String uploadId = uploads.startMultipart("part-signing");
    try {
      PresignedRequest part = uploads.presignPart("part-signing", uploadId, 7, 5 * MIB, EXPIRY);

      assertThat(part.method()).isEqualTo("PUT");
      assertThat(part.url().getRawQuery())
          .contains("partNumber=7", "uploadId=" + uploadId)
          .contains("X-Amz-SignedHeaders=content-length%3Bhost");
      assertThat(part.headers()).containsOnly(Map.entry("content-length", String.valueOf(5 * MIB)));
    } finally {
      uploads.abortMultipart("part-signing", uploadId);
    }
  }

  @Test
  void givenAPartsSha256_whenPresigned_thenItSignsTheLengthAndTheChecksum() {
    byte[] body = TestFiles.randomBytes(1000);
    String uploadId = uploads.startMultipart("part-checksum-signing", true);
    try {
      PresignedRequest part =
          uploads.presignPart(
              "part-checksum-signing",
              uploadId,
              1,
              1000,
              Optional.of(TestFiles.sha256(body)),
              EXPIRY);

      assertThat(part.url().getRawQuery())
          .contains("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256");
      assertThat(part.headers())
          .containsOnly(
              Map.entry("content-length", "1000"),
              Map.entry("x-amz-checksum-sha256", base64Sha256(body)));
    } finally {
      uploads.abortMultipart("part-checksum-signing", uploadId);
    }
  }

  @Test
  void givenSha256Parts_whenAPartsBytesDifferFromItsChecksum_thenBadDigestAndNotListed()
      throws Exception {
    byte[] declared = TestFiles.randomBytes(MIB);
    byte[] sent = declared.clone();
    sent[12345] ^= 1;
    String uploadId = uploads.startMultipart("corrupted-part", true);
    try {
      PresignedRequest part =
          uploads.presignPart(
              "corrupted-part", uploadId, 1, MIB, Optional.of(TestFiles.sha256(declared)), EXPIRY);

      Outcome outcome = send(part, sent, part.headers());

      assertThat(outcome.status()).as(outcome.toString()).isEqualTo(400);
      assertThat(outcome.body()).contains("<Code>BadDigest</Code>");
      assertThat(uploads.listParts("corrupted-part", uploadId)).isEmpty();
    } finally {
      uploads.abortMultipart("corrupted-part", uploadId);
    }
  }

  @Test
  void givenSha256Parts_whenCompletedWithTheirChecksums_thenTheObjectKeepsTheirCompositeOnly()
      throws Exception {
    byte[][] parts = {TestFiles.randomBytes(5 * MIB), TestFiles.randomBytes(1000)};
    String key = "checksummed-parts";
    String uploadId = uploads.startMultipart(key, true);
    for (int number = 1; number <= parts.length; number++) {
      byte[] bytes = parts[number - 1];
      PresignedRequest part =
          uploads.presignPart(
              key, uploadId, number, bytes.length, Optional.of(TestFiles.sha256(bytes)), EXPIRY);
      assertThat(send(part, bytes, part.headers()).status()).isEqualTo(200);
    }
    List<UploadedPart> listed = uploads.listParts(key, uploadId);
    assertThat(listed)
        .extracting(UploadedPart::sha256Hex)
        .as("S3Proxy lists no part checksums (AWS does)")
        .containsOnly(Optional.empty());
    // What AWS lists, and so what completing hands back to it.
    List<UploadedPart> asAwsLists =
        listed.stream()
            .map(
                p ->
                    new UploadedPart(
                        p.number(),
                        p.etag(),
                        p.size(),
                        Optional.of(TestFiles.sha256(parts[p.number() - 1]))))
            .toList();

    uploads.completeMultipart(key, uploadId, asAwsLists);

    assertThat(
            s3.headObject(r -> r.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED))
                .checksumSHA256())
        .as("the checksum of the parts' checksums")
        .isEqualTo(
            Base64.getEncoder()
                    .encodeToString(
                        MessageDigest.getInstance("SHA-256")
                            .digest(
                                HexFormat.of()
                                    .parseHex(
                                        TestFiles.sha256(parts[0]) + TestFiles.sha256(parts[1]))))
                + "-2");
    assertThat(uploads.inspect(key))
        .as("which is no SHA-256 of the object")
        .contains(new ObjectFacts(5 * MIB + 1000, Optional.empty()));
    assertThat(uploads.sha256Of(key)).isEqualTo(sha256(parts));
  }

  @Test
  void givenThreePartsWithARetryAndABrokenUpload_whenResumedAndCompleted_thenByteIdentical()
      throws Exception {
    String key = "multipart";
    byte[][] parts = {
      TestFiles.randomBytes(5 * MIB), TestFiles.randomBytes(5 * MIB), TestFiles.randomBytes(MIB)
    };
    String uploadId = uploads.startMultipart(key);
    assertThat(uploads.listParts(key, uploadId)).as("a fresh upload has no parts").isEmpty();

    // Part 2 first, with bytes that a retry will replace.
    PresignedRequest part2 = uploads.presignPart(key, uploadId, 2, 5 * MIB, EXPIRY);
    assertThat(send(part2, TestFiles.randomBytes(5 * MIB), part2.headers()).status())
        .isEqualTo(200);
    String firstPart2Tag = uploads.listParts(key, uploadId).get(0).etag();
    // Part 3's connection breaks after half of it.
    PresignedRequest part3 = uploads.presignPart(key, uploadId, 3, MIB, EXPIRY);
    sendHalfThenDisconnect(part3, parts[2]);

    // Resuming: the store says which parts it holds; 1 and 3 are missing.
    assertThat(uploads.listParts(key, uploadId))
        .extracting(UploadedPart::number, UploadedPart::size)
        .containsExactly(tuple(2, (long) 5 * MIB));

    PresignedRequest part1 = uploads.presignPart(key, uploadId, 1, 5 * MIB, EXPIRY);
    assertThat(send(part1, parts[0], part1.headers()).status()).isEqualTo(200);
    assertThat(send(part2, parts[1], part2.headers()).status())
        .as("retry of part 2")
        .isEqualTo(200);
    assertThat(send(part3, parts[2], part3.headers()).status()).isEqualTo(200);

    List<UploadedPart> listed = uploads.listParts(key, uploadId);
    assertThat(listed)
        .extracting(UploadedPart::number, UploadedPart::size)
        .containsExactly(tuple(1, (long) 5 * MIB), tuple(2, (long) 5 * MIB), tuple(3, (long) MIB));
    assertThat(listed.get(1).etag())
        .as("the retried part 2 replaced the first")
        .isNotEqualTo(firstPart2Tag);

    uploads.completeMultipart(key, uploadId, listed);

    assertThat(uploads.inspect(key))
        .as("a multipart object has no full-object SHA-256")
        .contains(new ObjectFacts(11 * MIB, Optional.empty()));
    assertThat(uploads.sha256Of(key)).isEqualTo(sha256(parts));
    assertThatThrownBy(() -> uploads.listParts(key, uploadId))
        .as("a completed upload is gone")
        .isInstanceOf(ObjectMissingException.class);
  }

  @Test
  void givenCompletedUpload_whenCompletedAgain_thenS3ProxyAcceptsAndTheObjectIsIntact()
      throws Exception {
    byte[] bytes = TestFiles.randomBytes(1000);
    String uploadId = uploads.startMultipart("twice");
    PresignedRequest part = uploads.presignPart("twice", uploadId, 1, bytes.length, EXPIRY);
    assertThat(send(part, bytes, part.headers()).status()).isEqualTo(200);
    List<UploadedPart> listed = uploads.listParts("twice", uploadId);
    uploads.completeMultipart("twice", uploadId, listed);

    assertThatCode(() -> uploads.completeMultipart("twice", uploadId, listed))
        .as("S3Proxy; AWS may answer NoSuchUpload instead (ObjectMissingException)")
        .doesNotThrowAnyException();
    assertThat(uploads.sha256Of("twice")).isEqualTo(TestFiles.sha256(bytes));
  }

  @Test
  void givenPartsBelowTheMinimumSize_whenCompleted_thenRefused() throws Exception {
    String uploadId = uploads.startMultipart("too-small");
    try {
      for (int number = 1; number <= 2; number++) {
        PresignedRequest part = uploads.presignPart("too-small", uploadId, number, MIB, EXPIRY);
        assertThat(send(part, TestFiles.randomBytes(MIB), part.headers()).status()).isEqualTo(200);
      }
      List<UploadedPart> listed = uploads.listParts("too-small", uploadId);

      assertThatThrownBy(() -> uploads.completeMultipart("too-small", uploadId, listed))
          .hasMessageContaining("smaller than the minimum allowed object size");
    } finally {
      uploads.abortMultipart("too-small", uploadId);
    }
  }

  @Test
  void givenPartOfAnotherLengthThanSigned_whenPut_thenRefusedAndNotListed() throws Exception {
    String uploadId = uploads.startMultipart("part-length");
    try {
      PresignedRequest part = uploads.presignPart("part-length", uploadId, 1, MIB, EXPIRY);

      assertRefused(send(part, TestFiles.randomBytes(MIB - 1), part.headers()));

      assertThat(uploads.listParts("part-length", uploadId)).isEmpty();
    } finally {
      uploads.abortMultipart("part-length", uploadId);
    }
  }

  @Test
  void givenUploadWithAPart_whenAborted_thenNoUploadNoObjectAndAbortingAgainIsFine()
      throws Exception {
    String uploadId = uploads.startMultipart("aborted");
    PresignedRequest part = uploads.presignPart("aborted", uploadId, 1, MIB, EXPIRY);
    assertThat(send(part, TestFiles.randomBytes(MIB), part.headers()).status()).isEqualTo(200);

    uploads.abortMultipart("aborted", uploadId);

    assertThatThrownBy(() -> uploads.listParts("aborted", uploadId))
        .isInstanceOf(ObjectMissingException.class)
        .hasMessageContaining("aborted");
    assertThatThrownBy(() -> uploads.completeMultipart("aborted", uploadId, List.of()))
        .isInstanceOf(ObjectMissingException.class);
    assertThat(s3.listMultipartUploads(r -> r.bucket(bucket).prefix("aborted")).uploads())
        .isEmpty();
    assertNoObject("aborted");
    assertThatCode(() -> uploads.abortMultipart("aborted", uploadId)).doesNotThrowAnyException();
  }

  @Test
  void givenUnknownUploadId_whenListed_thenUploadMissing() {
    String uploadId = uploads.startMultipart("unknown-id");
    try {
      assertThatThrownBy(() -> uploads.listParts("unknown-id", uploadId + "-not"))
          .isInstanceOf(ObjectMissingException.class);
      assertThat(uploads.listParts("unknown-id", uploadId)).as("the real one").isEmpty();
    } finally {
      uploads.abortMultipart("unknown-id", uploadId);
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  /** What came back: a status and body, or the connection failed ({@code status} -1). */
  private record Outcome(int status, String body) {
    boolean refused() {
      return status == 403 || status == -1;
    }
  }

  private static Outcome send(PresignedRequest request, byte[] body, Map<String, String> headers) {
    return send(request.method(), request.url(), BodyPublishers.ofByteArray(body), headers);
  }

  private static Outcome send(
      PresignedRequest request, BodyPublisher body, Map<String, String> headers) {
    return send(request.method(), request.url(), body, headers);
  }

  /** Sends the headers but {@code content-length}, which java.net.http derives from the body. */
  private static Outcome send(
      String method, URI url, BodyPublisher body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).method(method, body);
    headers.forEach(
        (name, value) -> {
          if (!name.equalsIgnoreCase("content-length")) {
            request.header(name, value);
          }
        });
    try {
      var response = http.send(request.build(), BodyHandlers.ofString());
      return new Outcome(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Outcome(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A client whose connection drops halfway through the body. */
  private static void sendHalfThenDisconnect(PresignedRequest request, byte[] body)
      throws Exception {
    URI url = request.url();
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      OutputStream out = socket.getOutputStream();
      String head =
          "%s %s?%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n\r\n"
              .formatted(
                  request.method(),
                  url.getRawPath(),
                  url.getRawQuery(),
                  url.getHost(),
                  url.getPort(),
                  body.length);
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, body.length / 2);
      out.flush();
    }
    // Let the server notice the end of the stream before the test asks about parts.
    Thread.sleep(500);
  }

  private static void assertRefused(Outcome outcome) {
    assertThat(outcome.refused()).as("refused (403 or connection closed): %s", outcome).isTrue();
  }

  private static void assertNoObject(String key) {
    assertThat(uploads.inspect(key)).as("object %s", key).isEmpty();
  }

  private static String base64Sha256(byte[] bytes) {
    return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(TestFiles.sha256(bytes)));
  }

  private static String sha256(byte[]... chunks) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (byte[] chunk : chunks) {
      digest.update(chunk);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
