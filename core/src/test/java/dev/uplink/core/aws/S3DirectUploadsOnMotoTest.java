package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.uplink.core.domain.DirectUploads.ObjectFacts;
import dev.uplink.core.domain.DirectUploads.PresignedRequest;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.testing.MotoServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * {@link S3DirectUploads} on moto's S3, an S3 written independently of S3Proxy and AWS. What moto
 * 5.2.1 was seen to do with SHA-256 part checksums: it checks none of them (a part whose bytes
 * differ from its signed {@code x-amz-checksum-sha256} is stored), lists no part checksums, and
 * labels the composite checksum of an upload created with SHA-256 as a plain one (no {@code -N}
 * suffix, no checksum type), which must not be taken for the object's SHA-256.
 */
@DisplayName("Presigned multipart uploads on moto's S3")
class S3DirectUploadsOnMotoTest {

  private static final int MIB = 1024 * 1024;
  private static final Duration EXPIRY = Duration.ofMinutes(5);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static MotoServer moto;
  private static S3Client s3;
  private static S3Presigner presigner;
  private static String bucket;
  private static S3DirectUploads uploads;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.require();
    var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    s3 =
        S3Client.builder()
            .endpointOverride(moto.endpoint())
            .region(Region.of(MotoServer.REGION))
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.create())
            .forcePathStyle(true)
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .build();
    presigner =
        S3Presigner.builder()
            .endpointOverride(moto.endpoint())
            .region(Region.of(MotoServer.REGION))
            .credentialsProvider(credentials)
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .build();
    bucket = "uploads-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(r -> r.bucket(bucket));
    uploads = new S3DirectUploads(s3, presigner, bucket);
  }

  @AfterAll
  static void stopMoto() {
    if (s3 != null) {
      s3.close();
      presigner.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  @DisplayName(
      "A multipart object whose parts had SHA-256 checksums reports no full-object SHA-256,"
          + " though moto labels the composite as a plain checksum")
  void compositeChecksumIsNotTakenForTheObjectsSha256() throws Exception {
    byte[] first = randomBytes(5 * MIB, 1);
    byte[] second = randomBytes(MIB, 2);
    String key = "composite";
    String uploadId =
        s3.createMultipartUpload(
                r -> r.bucket(bucket).key(key).checksumAlgorithm(ChecksumAlgorithm.SHA256))
            .uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    for (byte[] part : List.of(first, second)) {
      int number = parts.size() + 1;
      String checksum = Base64.getEncoder().encodeToString(sha256(part));
      var uploaded =
          s3.uploadPart(
              r ->
                  r.bucket(bucket)
                      .key(key)
                      .uploadId(uploadId)
                      .partNumber(number)
                      .checksumSHA256(checksum),
              RequestBody.fromBytes(part));
      parts.add(
          CompletedPart.builder()
              .partNumber(number)
              .eTag(uploaded.eTag())
              .checksumSHA256(checksum)
              .build());
    }
    s3.completeMultipartUpload(
        r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));

    assertThat(uploads.inspect(key))
        .as("size only: a checksum of the parts' checksums says nothing checkable about the bytes")
        .contains(new ObjectFacts(6 * MIB, Optional.empty()));
  }

  @Test
  @DisplayName(
      "Parts presigned with their SHA-256 go through, a corrupted one too (moto checks no part"
          + " checksum), and the upload completes without any listed part checksum")
  void partChecksumsAreSignedButMotoChecksNone() throws Exception {
    byte[] first = randomBytes(5 * MIB, 3);
    byte[] second = randomBytes(MIB, 4);
    byte[] corrupted = second.clone();
    corrupted[100] ^= 1;
    String key = "signed-parts";
    String uploadId = uploads.startMultipart(key, true);

    PresignedRequest part1 =
        uploads.presignPart(
            key, uploadId, 1, first.length, Optional.of(hex(sha256(first))), EXPIRY);
    PresignedRequest part2 =
        uploads.presignPart(
            key, uploadId, 2, second.length, Optional.of(hex(sha256(second))), EXPIRY);
    assertThat(part1.headers())
        .containsEntry("x-amz-checksum-sha256", Base64.getEncoder().encodeToString(sha256(first)));

    assertThat(put(part1, first)).isEqualTo(200);
    assertThat(put(part2, corrupted)).as("moto stores a part whatever its checksum").isEqualTo(200);
    List<UploadedPart> listed = uploads.listParts(key, uploadId);
    assertThat(listed)
        .extracting(UploadedPart::number, UploadedPart::sha256Hex)
        .as("moto lists no part checksums")
        .containsExactly(tuple(1, Optional.empty()), tuple(2, Optional.empty()));
    uploads.completeMultipart(key, uploadId, listed);

    assertThat(uploads.inspect(key)).contains(new ObjectFacts(6 * MIB, Optional.empty()));
    assertThat(uploads.sha256Of(key))
        .as("the corrupted bytes are stored: the processor's streaming SHA-256 is the judge here")
        .isEqualTo(hex(sha256(first, corrupted)));
  }

  private static int put(PresignedRequest request, byte[] body) throws Exception {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(request.url())
            .method(request.method(), BodyPublishers.ofByteArray(body));
    request
        .headers()
        .forEach(
            (name, value) -> {
              if (!name.equals("content-length")) {
                builder.header(name, value);
              }
            });
    return HTTP.send(builder.build(), BodyHandlers.discarding()).statusCode();
  }

  static byte[] randomBytes(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] sha256(byte[]... chunks) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (byte[] chunk : chunks) {
      digest.update(chunk);
    }
    return digest.digest();
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
