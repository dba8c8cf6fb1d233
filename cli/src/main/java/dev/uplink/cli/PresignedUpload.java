package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A presigned upload: the bytes go straight to the object store, not through the API.
 *
 * <ol>
 *   <li>One cheap request ({@code GET /v1/uploads?limit=1}) checks the key and the connection, so a
 *       mistake there shows before a large file is read to compute its SHA-256, which the API signs
 *       (with the size) into the URLs and so needs up front.
 *   <li>Up to the threshold, one presigned {@code PUT} ({@code POST /v1/uploads/presign}); above
 *       it, parts ({@code POST /v1/uploads/multipart} declaring {@code partChecksums}, then {@code
 *       POST /v1/uploads/{id}/parts/{n}?sha256=…} for each part's URL, the part hashed just
 *       before), each part retried on a fresh URL when the store fails, refuses its bytes ({@code
 *       BadDigest}: damaged on the way) or the connection breaks. Parts the store already holds
 *       (same size, and same SHA-256 where the store lists one) are skipped, so running the same
 *       upload again with the same {@code Idempotency-Key} resumes it.
 *   <li>{@code POST /v1/uploads/{id}/complete}: the API checks the object and queues the task.
 * </ol>
 */
final class PresignedUpload {

  /** S3's largest single PUT: larger files always go in parts. */
  static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;

  /** Tries per part (each with a fresh URL) before giving up. */
  static final int PART_ATTEMPTS = 3;

  /** S3's error code for a body whose checksum is not the signed one. */
  private static final String BAD_DIGEST = "BadDigest";

  private final ApiClient api;
  private final ProgressMeter progress;

  PresignedUpload(ApiClient api, ProgressMeter progress) {
    this.api = api;
    this.progress = progress;
  }

  /**
   * Uploads {@code file} ({@code size} bytes) to {@code destination}: one PUT up to {@code
   * multipartThreshold} bytes, parts above it.
   *
   * @param headers extra headers for the request that creates the task (an {@code Idempotency-Key})
   * @return the task id
   */
  String upload(
      Path file,
      long size,
      UploadDestination destination,
      long multipartThreshold,
      Map<String, String> headers)
      throws IOException {
    api.get(TaskPaths.UPLOADS + "?limit=1");
    var declaration = new LinkedHashMap<>(destination.fields());
    declaration.put("size", size);
    declaration.put("sha256", FileDigest.sha256(file, progress));
    String id =
        size <= multipartThreshold && size <= MAX_SINGLE_PUT
            ? singlePut(file, size, declaration, headers)
            : inParts(file, size, declaration, headers);
    api.post(TaskPaths.task(id) + "/complete");
    return id;
  }

  private String singlePut(
      Path file, long size, Map<String, Object> declaration, Map<String, String> headers) {
    JsonNode created = api.postJson(TaskPaths.UPLOADS + "/presign", declaration, headers).body();
    JsonNode put = created.path("upload");
    if (put.isObject()) { // absent when an Idempotency-Key replays a task already uploaded
      progress.start("upload", size);
      api.sendPresigned(
          put, FileBody.of(file, size, progress::advance), "the object store refused the upload");
      progress.finish();
    }
    return created.path("id").asText();
  }

  private String inParts(
      Path file, long size, Map<String, Object> declaration, Map<String, String> headers)
      throws IOException {
    var withPartChecksums = new LinkedHashMap<>(declaration);
    withPartChecksums.put("partChecksums", true);
    JsonNode created =
        api.postJson(TaskPaths.UPLOADS + "/multipart", withPartChecksums, headers).body();
    String id = created.path("id").asText();
    if (!"AWAITING_UPLOAD".equals(created.path("status").asText())) {
      return id; // an Idempotency-Key replayed a task already uploaded
    }
    long partSize = created.path("partSize").asLong();
    int partCount = created.path("partCount").asInt();
    if (partSize <= 0 || partCount <= 0) {
      throw new CliException("the API's multipart answer has no partSize or partCount");
    }
    Map<Integer, StoredPart> stored = storedParts(id);
    progress.start("upload", size);
    long uploaded = 0;
    for (int part = 1; part <= partCount; part++) {
      long offset = (part - 1) * partSize;
      long length = part < partCount ? partSize : size - offset;
      StoredPart held = stored.get(part);
      if (held == null || held.size() != length || held.sha256().isPresent()) {
        // Hashed just before it is sent, as the part's URL signs its SHA-256.
        var hashed =
            new Part(part, partCount, offset, length, FileDigest.sha256(file, offset, length));
        if (held == null || !held.matches(hashed)) {
          uploadPart(file, id, hashed, uploaded);
        }
      }
      uploaded += length;
      progress.update(uploaded);
    }
    progress.finish();
    return id;
  }

  /** A part the store holds: its size, and its SHA-256 if the store lists one. */
  private record StoredPart(long size, Optional<String> sha256) {

    /** Whether this is {@code part}, as far as the store says. */
    boolean matches(Part part) {
      return size == part.length() && sha256.map(part.sha256()::equals).orElse(true);
    }
  }

  /**
   * Part {@code number} of {@code count}: {@code length} bytes of the file from {@code offset},
   * whose SHA-256 is {@code sha256}.
   */
  private record Part(int number, int count, long offset, long length, String sha256) {

    String description() {
      return "part " + number + " of " + count;
    }
  }

  /** The parts the store already holds, by number: what a resumed upload skips. */
  private Map<Integer, StoredPart> storedParts(String id) {
    var stored = new HashMap<Integer, StoredPart>();
    for (JsonNode part : api.get(TaskPaths.task(id) + "/parts").body().path("parts")) {
      stored.put(
          part.path("partNumber").asInt(),
          new StoredPart(part.path("size").asLong(), Json.text(part, "sha256")));
    }
    return stored;
  }

  /**
   * Sends one part, its SHA-256 signed into its URL so that the store refuses other bytes. A part
   * the store refuses as damaged ({@code BadDigest}) is sent again like one whose connection broke:
   * the bytes read from the file were hashed a moment before, so they changed on the way.
   */
  private void uploadPart(Path file, String id, Part part, long uploaded) {
    for (int attempt = 1; ; attempt++) {
      JsonNode url =
          api.post(TaskPaths.task(id) + "/parts/" + part.number() + "?sha256=" + part.sha256())
              .body();
      try {
        api.sendPresigned(
            url,
            FileBody.of(file, part.offset(), part.length(), progress::advance),
            "the object store refused " + part.description());
        return;
      } catch (ApiException e) {
        boolean damaged = e.problem().title().equals(BAD_DIGEST);
        if (attempt == PART_ATTEMPTS && damaged) {
          throw new CliException(
              e.getMessage()
                  + ": its bytes differed from those hashed before sending it "
                  + attempt
                  + " times: is "
                  + file
                  + " being written to?",
              e);
        }
        if ((e.status() < 500 && !damaged) || attempt == PART_ATTEMPTS) {
          throw e;
        }
      } catch (CliException e) { // the connection broke
        if (attempt == PART_ATTEMPTS) {
          throw new CliException(
              part.description() + " failed " + attempt + " times: " + e.getMessage(), e);
        }
      }
      progress.update(uploaded); // the failed attempt's bytes are sent again
    }
  }
}
