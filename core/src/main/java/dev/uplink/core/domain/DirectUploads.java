package dev.uplink.core.domain;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Uploads that go from the client straight to the object store through presigned URLs, so large
 * files never pass through the API. The store, not the client, is trusted for what arrived: {@link
 * #inspect} and {@link #sha256Of} read the stored object.
 */
public interface DirectUploads {

  /**
   * A URL for one PUT of the whole object. The signature covers the length and the SHA-256 checksum
   * header, so a store that checks them refuses other bytes.
   *
   * @param sha256Hex lowercase hex SHA-256 the client declared
   */
  PresignedRequest presignPut(String key, long size, String sha256Hex, Duration expiry);

  /** Starts a multipart upload whose parts carry no checksum; returns its id. */
  default String startMultipart(String key) {
    return startMultipart(key, false);
  }

  /**
   * Starts a multipart upload; returns its id.
   *
   * @param sha256Parts whether every part will carry its SHA-256 ({@link #presignPart} with one):
   *     the store then checks each part's bytes against it and keeps a checksum of the parts'
   *     checksums. S3 insists on the choice: in such an upload a part without its SHA-256 is
   *     refused, and in an upload without, a part with one.
   */
  String startMultipart(String key, boolean sha256Parts);

  /** A URL for one part of an upload without part checksums; the signature covers its length. */
  default PresignedRequest presignPart(
      String key, String uploadId, int partNumber, long partLength, Duration expiry) {
    return presignPart(key, uploadId, partNumber, partLength, Optional.empty(), expiry);
  }

  /**
   * A URL for one part. The signature covers its length and, when given, its SHA-256 checksum
   * header, so a store that checks it refuses other bytes.
   *
   * @param sha256Hex the part's SHA-256 in lowercase hex, for an upload started with {@code
   *     sha256Parts}
   */
  PresignedRequest presignPart(
      String key,
      String uploadId,
      int partNumber,
      long partLength,
      Optional<String> sha256Hex,
      Duration expiry);

  /**
   * The parts uploaded so far, by number.
   *
   * @throws ObjectMissingException if the multipart upload no longer exists (completed or aborted)
   */
  List<UploadedPart> listParts(String key, String uploadId);

  /**
   * Assembles the object from {@code parts}, giving the store each part's SHA-256 where known, so
   * that it checks them against what it holds and records the checksum of their checksums.
   *
   * @throws ObjectMissingException if the multipart upload no longer exists (completed or aborted)
   */
  void completeMultipart(String key, String uploadId, List<UploadedPart> parts);

  /** Discards a multipart upload and its parts; a missing upload is not an error. */
  void abortMultipart(String key, String uploadId);

  /** The stored object's size and, when the store recorded one, its full SHA-256; empty if none. */
  Optional<ObjectFacts> inspect(String key);

  /**
   * Reads the whole object to compute its SHA-256, streaming: for objects whose store recorded no
   * full-object checksum (multipart uploads, stores that ignore checksums).
   *
   * @throws ObjectMissingException if there is no such object
   */
  String sha256Of(String key);

  /**
   * A request the client makes itself.
   *
   * @param method the HTTP method
   * @param url the presigned URL
   * @param headers headers the client must send exactly as given (they are signed)
   * @param expiresAt when the URL stops working
   */
  record PresignedRequest(String method, URI url, Map<String, String> headers, Instant expiresAt) {
    public PresignedRequest {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(url, "url");
      headers = Map.copyOf(headers);
      Objects.requireNonNull(expiresAt, "expiresAt");
    }
  }

  /**
   * A part the store holds.
   *
   * @param number 1-based part number
   * @param etag the store's tag for it, needed to complete
   * @param size its length in bytes
   * @param sha256Hex its SHA-256 in lowercase hex, if the store checked and recorded one (AWS does
   *     for an upload started with {@code sha256Parts}; S3Proxy and moto list none)
   */
  record UploadedPart(int number, String etag, long size, Optional<String> sha256Hex) {
    public UploadedPart {
      Objects.requireNonNull(etag, "etag");
      Objects.requireNonNull(sha256Hex, "sha256Hex");
    }

    /** A part listed without a checksum. */
    public UploadedPart(int number, String etag, long size) {
      this(number, etag, size, Optional.empty());
    }
  }

  /**
   * What the store says about an object.
   *
   * @param size its length
   * @param sha256Hex its full-object SHA-256 in lowercase hex, if the store recorded one
   */
  record ObjectFacts(long size, Optional<String> sha256Hex) {
    public ObjectFacts {
      Objects.requireNonNull(sha256Hex, "sha256Hex");
    }
  }
}
