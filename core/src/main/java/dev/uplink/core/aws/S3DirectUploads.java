package dev.uplink.core.aws;

import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.ObjectMissingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * {@link DirectUploads} on an S3 bucket: URLs from the {@link S3Presigner}, everything else through
 * the plain {@link S3Client}.
 *
 * <h2>What the signatures pin down</h2>
 *
 * <ul>
 *   <li>A whole-object PUT signs {@code Content-Length} and {@code x-amz-checksum-sha256} (the
 *       declared digest, base64): the client must send both exactly, and S3 refuses a body whose
 *       SHA-256 differs ({@code BadDigest}) and records the checksum, which {@link #inspect} then
 *       reports.
 *   <li>A part PUT signs {@code Content-Length} and, in an upload started with SHA-256 part
 *       checksums, the part's {@code x-amz-checksum-sha256}: S3 refuses a part whose bytes differ
 *       ({@code BadDigest}), and the completion hands S3 the parts' checksums it listed, so the
 *       object keeps a checksum of them ({@code "base64-N"}, COMPOSITE). That is no SHA-256 of the
 *       object: nobody reads a multipart object back to hash it (the processor hashes it as it
 *       streams it into the instance).
 *   <li>No {@code Content-Type} is signed, so clients need not send one; an unsigned one is allowed
 *       and stored as sent. The worker never looks at it.
 * </ul>
 *
 * The returned headers are those the client must send; {@code host} is left out, being part of the
 * URL. {@code content-length} is in them: an HTTP client usually derives it from the body, which
 * must then be exactly that long.
 *
 * <p>A failure of S3 is a {@link dev.uplink.core.domain.DependencyException} naming the bucket (the
 * SDK's exception its cause); a missing object or upload is an {@link ObjectMissingException}.
 */
public final class S3DirectUploads implements DirectUploads {

  /** S3's part numbers run from 1 to 10,000. */
  static final int MAX_PART_NUMBER = 10_000;

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern MULTIPART_ETAG = Pattern.compile("\"?[0-9a-fA-F]+-[0-9]+\"?");
  private static final int SHA256_BYTES = 32;
  private static final int READ_BUFFER_BYTES = 64 * 1024;

  private final S3Client s3;
  private final S3Presigner presigner;
  private final String bucket;
  private final String dependency;

  public S3DirectUploads(S3Client s3, S3Presigner presigner, String bucket) {
    this.s3 = Objects.requireNonNull(s3, "s3");
    this.presigner = Objects.requireNonNull(presigner, "presigner");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.dependency = "S3 bucket " + bucket;
  }

  /** Over {@code clients}' S3 client, presigner and bucket. */
  public static S3DirectUploads of(AwsClients clients) {
    return new S3DirectUploads(clients.s3(), clients.presigner(), clients.settings().bucket());
  }

  @Override
  public PresignedRequest presignPut(String key, long size, String sha256Hex, Duration expiry) {
    requireNonNegative(size, "size");
    String checksum = base64Sha256(sha256Hex);
    Duration validFor = requirePositive(expiry);
    return toDomain(
        AwsErrors.translated(
            dependency,
            () ->
                presigner.presignPutObject(
                    p ->
                        p.signatureDuration(validFor)
                            .putObjectRequest(
                                r ->
                                    r.bucket(bucket)
                                        .key(key)
                                        .contentLength(size)
                                        .checksumSHA256(checksum)))));
  }

  @Override
  public String startMultipart(String key, boolean sha256Parts) {
    return AwsErrors.translated(
        dependency,
        () ->
            s3.createMultipartUpload(
                    r -> {
                      r.bucket(bucket).key(key);
                      if (sha256Parts) {
                        r.checksumAlgorithm(ChecksumAlgorithm.SHA256);
                      }
                    })
                .uploadId());
  }

  @Override
  public PresignedRequest presignPart(
      String key,
      String uploadId,
      int partNumber,
      long partLength,
      Optional<String> sha256Hex,
      Duration expiry) {
    Objects.requireNonNull(uploadId, "uploadId");
    Optional<String> checksum = sha256Hex.map(S3DirectUploads::base64Sha256);
    if (partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new IllegalArgumentException(
          "partNumber must be 1 to %d, got %d".formatted(MAX_PART_NUMBER, partNumber));
    }
    requireNonNegative(partLength, "partLength");
    Duration validFor = requirePositive(expiry);
    return toDomain(
        AwsErrors.translated(
            dependency,
            () ->
                presigner.presignUploadPart(
                    p ->
                        p.signatureDuration(validFor)
                            .uploadPartRequest(
                                r ->
                                    r.bucket(bucket)
                                        .key(key)
                                        .uploadId(uploadId)
                                        .partNumber(partNumber)
                                        .contentLength(partLength)
                                        .checksumSHA256(checksum.orElse(null))))));
  }

  @Override
  public List<UploadedPart> listParts(String key, String uploadId) {
    List<UploadedPart> parts = new ArrayList<>();
    try {
      // The paginator fetches further pages lazily: a missing upload surfaces while iterating.
      for (Part part :
          s3.listPartsPaginator(r -> r.bucket(bucket).key(key).uploadId(uploadId)).parts()) {
        parts.add(
            new UploadedPart(
                part.partNumber(), part.eTag(), part.size(), sha256Hex(part.checksumSHA256())));
      }
    } catch (NoSuchUploadException e) {
      throw new ObjectMissingException(key, e);
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    }
    if (parts.isEmpty() && !uploadInProgress(key, uploadId)) {
      throw new ObjectMissingException(key, null);
    }
    parts.sort(Comparator.comparingInt(UploadedPart::number));
    return List.copyOf(parts);
  }

  /**
   * Whether the bucket still lists the upload. S3 answers ListParts for a finished upload with
   * NoSuchUpload, but some S3-compatible stores (S3Proxy) answer with no parts; an upload with no
   * parts is asked about once more, so both read the same.
   */
  private boolean uploadInProgress(String key, String uploadId) {
    return AwsErrors.translated(
        dependency,
        () ->
            s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(key)).uploads().stream()
                .anyMatch(u -> u.key().equals(key) && u.uploadId().equals(uploadId)));
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<UploadedPart> parts) {
    List<CompletedPart> completed =
        parts.stream()
            .sorted(Comparator.comparingInt(UploadedPart::number))
            .map(
                p ->
                    CompletedPart.builder()
                        .partNumber(p.number())
                        .eTag(p.etag())
                        .checksumSHA256(
                            p.sha256Hex().map(S3DirectUploads::base64Sha256).orElse(null))
                        .build())
            .toList();
    try {
      s3.completeMultipartUpload(
          r ->
              r.bucket(bucket)
                  .key(key)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(completed)));
    } catch (NoSuchUploadException e) {
      throw new ObjectMissingException(key, e);
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    }
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    } catch (NoSuchUploadException e) {
      // Already completed or aborted: aborting is idempotent.
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    }
  }

  @Override
  public Optional<ObjectFacts> inspect(String key) {
    HeadObjectResponse head;
    try {
      head = s3.headObject(r -> r.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      // A HEAD has no body, so some stores' 404 arrives without the NoSuchKey code.
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw AwsErrors.translate(dependency, e);
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    }
    return Optional.of(new ObjectFacts(head.contentLength(), fullObjectSha256(head)));
  }

  /**
   * The object's SHA-256 in hex if the store recorded one for the whole object. A multipart
   * upload's SHA-256 is a checksum of the parts' checksums ({@code "base64-N"}, type COMPOSITE): it
   * says nothing checkable about the bytes, so it counts as absent. moto labels it as a plain
   * checksum (no suffix, no type), so an object whose ETag says it was assembled from parts ({@code
   * "hex-N"}) has none either.
   */
  static Optional<String> fullObjectSha256(HeadObjectResponse head) {
    String checksum = head.checksumSHA256();
    if (checksum == null
        || checksum.contains("-")
        || head.checksumType() == ChecksumType.COMPOSITE
        || isMultipartETag(head.eTag())) {
      return Optional.empty();
    }
    return sha256Hex(checksum);
  }

  /** S3 tags an object assembled from N parts {@code "<md5 of the parts' md5s>-N"}. */
  private static boolean isMultipartETag(String eTag) {
    return eTag != null && MULTIPART_ETAG.matcher(eTag).matches();
  }

  /** A base64 SHA-256 checksum as S3 reports it, in hex; empty if absent or not one. */
  private static Optional<String> sha256Hex(String base64) {
    if (base64 == null) {
      return Optional.empty();
    }
    byte[] digest;
    try {
      digest = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return digest.length == SHA256_BYTES
        ? Optional.of(HexFormat.of().formatHex(digest))
        : Optional.empty();
  }

  private static String base64Sha256(String sha256Hex) {
    return Base64.getEncoder().encodeToString(sha256Bytes(sha256Hex));
  }

  @Override
  public String sha256Of(String key) {
    MessageDigest digest = newSha256();
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(key))) {
      update(digest, in);
    } catch (NoSuchKeyException e) {
      throw new ObjectMissingException(key, e);
    } catch (SdkException e) {
      throw AwsErrors.translate(dependency, e);
    } catch (IOException e) {
      throw new UncheckedIOException("Reading " + key + " failed", e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void update(MessageDigest digest, InputStream in) throws IOException {
    byte[] buffer = new byte[READ_BUFFER_BYTES];
    int read;
    while ((read = in.read(buffer)) >= 0) {
      digest.update(buffer, 0, read);
    }
  }

  /** The presigned request, with its signed headers as one value each and without {@code host}. */
  private static PresignedRequest toDomain(
      software.amazon.awssdk.awscore.presigner.PresignedRequest presigned) {
    Map<String, String> headers = new LinkedHashMap<>();
    presigned
        .signedHeaders()
        .forEach(
            (name, values) -> {
              if (!name.equalsIgnoreCase("host")) {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
              }
            });
    try {
      return new PresignedRequest(
          presigned.httpRequest().method().name(),
          presigned.url().toURI(),
          headers,
          presigned.expiration());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("The presigner made an invalid URL", e);
    }
  }

  private static byte[] sha256Bytes(String sha256Hex) {
    Objects.requireNonNull(sha256Hex, "sha256Hex");
    if (!SHA256_HEX.matcher(sha256Hex).matches()) {
      throw new IllegalArgumentException(
          "sha256Hex must be 64 lowercase hex digits, got " + sha256Hex);
    }
    return HexFormat.of().parseHex(sha256Hex);
  }

  private static void requireNonNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + value);
    }
  }

  private static Duration requirePositive(Duration expiry) {
    Objects.requireNonNull(expiry, "expiry");
    if (expiry.isNegative() || expiry.isZero()) {
      throw new IllegalArgumentException("expiry must be positive, got " + expiry);
    }
    return expiry;
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JDK has SHA-256", e);
    }
  }
}
