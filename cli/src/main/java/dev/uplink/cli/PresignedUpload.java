package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A presigned upload: the bytes go straight to the object store, not through the API.
 *
 * <ol>
 *   <li>One cheap request ({@code GET /v1/uploads?limit=1}) checks the key and the connection, so a
 *       mistake there shows before a large file is read to compute its SHA-256, which the API signs
 *       (with the size) into the URLs and so needs up front.
 *   <li>Up to the threshold, one presigned {@code PUT} ({@code POST /v1/uploads/presign}); above
 *       it, parts ({@code POST /v1/uploads/multipart}, then {@code POST /v1/uploads/{id}/parts/{n}}
 *       for each part's URL), each part retried on a fresh URL when the store fails or the
 *       connection breaks. Parts the store already holds are skipped, so running the same upload
 *       again with the same {@code Idempotency-Key} resumes it.
 *   <li>{@code POST /v1/uploads/{id}/complete}: the API checks the object and queues the task.
 * </ol>
 */
final class PresignedUpload {

  /** S3's largest single PUT: larger files always go in parts. */
  static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;

  /** Tries per part (each with a fresh URL) before giving up. */
  static final int PART_ATTEMPTS = 3;

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
      Path file, long size, Map<String, Object> declaration, Map<String, String> headers) {
    JsonNode created = api.postJson(TaskPaths.UPLOADS + "/multipart", declaration, headers).body();
    String id = created.path("id").asText();
    if (!"AWAITING_UPLOAD".equals(created.path("status").asText())) {
      return id; // an Idempotency-Key replayed a task already uploaded
    }
    long partSize = created.path("partSize").asLong();
    int partCount = created.path("partCount").asInt();
    if (partSize <= 0 || partCount <= 0) {
      throw new CliException("the API's multipart answer has no partSize or partCount");
    }
    Map<Integer, Long> stored = storedParts(id);
    progress.start("upload", size);
    long uploaded = 0;
    for (int part = 1; part <= partCount; part++) {
      long offset = (part - 1) * partSize;
      long length = part < partCount ? partSize : size - offset;
      if (stored.getOrDefault(part, -1L) != length) {
        uploadPart(file, id, part, partCount, offset, length, uploaded);
      }
      uploaded += length;
      progress.update(uploaded);
    }
    progress.finish();
    return id;
  }

  /** The parts the store already holds (part number to size): what a resumed upload skips. */
  private Map<Integer, Long> storedParts(String id) {
    var stored = new HashMap<Integer, Long>();
    for (JsonNode part : api.get(TaskPaths.task(id) + "/parts").body().path("parts")) {
      stored.put(part.path("partNumber").asInt(), part.path("size").asLong());
    }
    return stored;
  }

  private void uploadPart(
      Path file, String id, int part, int partCount, long offset, long length, long uploaded) {
    for (int attempt = 1; ; attempt++) {
      JsonNode url = api.post(TaskPaths.task(id) + "/parts/" + part).body();
      try {
        api.sendPresigned(
            url,
            FileBody.of(file, offset, length, progress::advance),
            "the object store refused part " + part + " of " + partCount);
        return;
      } catch (ApiException e) {
        if (e.status() < 500 || attempt == PART_ATTEMPTS) {
          throw e;
        }
      } catch (CliException e) { // the connection broke
        if (attempt == PART_ATTEMPTS) {
          throw new CliException(
              "part "
                  + part
                  + " of "
                  + partCount
                  + " failed "
                  + attempt
                  + " times: "
                  + e.getMessage(),
              e);
        }
      }
      progress.update(uploaded); // the failed attempt's bytes are sent again
    }
  }
}
