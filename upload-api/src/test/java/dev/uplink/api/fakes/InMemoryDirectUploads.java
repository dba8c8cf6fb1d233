package dev.uplink.api.fakes;

import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.ObjectMissingException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link DirectUploads} in memory, behaving like S3 for the service: a test plays the client by
 * {@link #putObject} and {@link #putPart} instead of using the (fake) URLs. Objects put here record
 * their SHA-256 as S3 does for a single PUT with a checksum; assembled multipart objects do not.
 */
public final class InMemoryDirectUploads implements DirectUploads {

  private record Stored(byte[] bytes, boolean checksummed) {}

  private final Map<String, Stored> objects = new ConcurrentHashMap<>();
  private final Map<String, TreeMap<Integer, byte[]>> uploads = new ConcurrentHashMap<>();
  private final Set<String> sha256PartUploads = ConcurrentHashMap.newKeySet();
  private final List<String> aborted = new ArrayList<>();
  private final List<List<UploadedPart>> completions = new ArrayList<>();
  private final AtomicInteger objectReads = new AtomicInteger();

  /** The client's PUT of a whole object. */
  public void putObject(String key, byte[] bytes) {
    objects.put(key, new Stored(bytes.clone(), true));
  }

  /** The client's PUT of one part. */
  public synchronized void putPart(String uploadId, int number, byte[] bytes) {
    TreeMap<Integer, byte[]> parts = uploads.get(uploadId);
    if (parts == null) {
      throw new IllegalStateException("no upload " + uploadId);
    }
    parts.put(number, bytes.clone());
  }

  public Optional<byte[]> object(String key) {
    return Optional.ofNullable(objects.get(key)).map(s -> s.bytes().clone());
  }

  public synchronized List<String> aborted() {
    return List.copyOf(aborted);
  }

  /** Whether {@code uploadId} was started with SHA-256 part checksums. */
  public boolean hasSha256Parts(String uploadId) {
    return sha256PartUploads.contains(uploadId);
  }

  /** The parts each completion was given, in order. */
  public synchronized List<List<UploadedPart>> completions() {
    return List.copyOf(completions);
  }

  /** How many times a whole object was read back ({@link #sha256Of}). */
  public int objectReads() {
    return objectReads.get();
  }

  @Override
  public PresignedRequest presignPut(String key, long size, String sha256Hex, Duration expiry) {
    return request("PUT", key, Map.of("content-length", Long.toString(size)), expiry);
  }

  @Override
  public String startMultipart(String key, boolean sha256Parts) {
    String id = UUID.randomUUID().toString();
    uploads.put(id, new TreeMap<>());
    if (sha256Parts) {
      sha256PartUploads.add(id);
    }
    return id;
  }

  @Override
  public PresignedRequest presignPart(
      String key,
      String uploadId,
      int partNumber,
      long partLength,
      Optional<String> sha256Hex,
      Duration expiry) {
    var headers = new TreeMap<String, String>();
    headers.put("content-length", Long.toString(partLength));
    sha256Hex.ifPresent(
        sha256 ->
            headers.put(
                "x-amz-checksum-sha256",
                Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256))));
    return request(
        "PUT", key + "?partNumber=" + partNumber + "&uploadId=" + uploadId, headers, expiry);
  }

  @Override
  public synchronized List<UploadedPart> listParts(String key, String uploadId) {
    TreeMap<Integer, byte[]> parts = uploads.get(uploadId);
    if (parts == null) {
      throw new ObjectMissingException(key, null);
    }
    var listed = new ArrayList<UploadedPart>();
    // Like AWS, which lists the checksum of every part of an upload started with them.
    boolean checksummed = sha256PartUploads.contains(uploadId);
    parts.forEach(
        (n, bytes) ->
            listed.add(
                new UploadedPart(
                    n,
                    "etag-" + n,
                    bytes.length,
                    checksummed ? Optional.of(sha256(bytes)) : Optional.empty())));
    return listed;
  }

  @Override
  public synchronized void completeMultipart(
      String key, String uploadId, List<UploadedPart> parts) {
    TreeMap<Integer, byte[]> stored = uploads.remove(uploadId);
    if (stored == null) {
      throw new ObjectMissingException(key, null);
    }
    completions.add(List.copyOf(parts));
    var whole = new ByteArrayOutputStream();
    parts.forEach(p -> whole.writeBytes(stored.get(p.number())));
    objects.put(key, new Stored(whole.toByteArray(), false));
  }

  @Override
  public synchronized void abortMultipart(String key, String uploadId) {
    if (uploads.remove(uploadId) != null) {
      aborted.add(uploadId);
    }
  }

  @Override
  public Optional<ObjectFacts> inspect(String key) {
    return Optional.ofNullable(objects.get(key))
        .map(
            s ->
                new ObjectFacts(
                    s.bytes().length,
                    s.checksummed() ? Optional.of(sha256(s.bytes())) : Optional.empty()));
  }

  @Override
  public String sha256Of(String key) {
    objectReads.incrementAndGet();
    Stored stored = objects.get(key);
    if (stored == null) {
      throw new ObjectMissingException(key, null);
    }
    return sha256(stored.bytes());
  }

  /** Deleting, as the object store the service deletes through would. */
  public void delete(String key) {
    objects.remove(key);
  }

  private static PresignedRequest request(
      String method, String path, Map<String, String> headers, Duration expiry) {
    return new PresignedRequest(
        method,
        URI.create("https://s3.fake.example/bucket/" + path + "&X-Amz-Signature=fake"),
        headers,
        Instant.now().plus(expiry));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
