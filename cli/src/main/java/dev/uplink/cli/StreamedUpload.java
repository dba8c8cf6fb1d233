package dev.uplink.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /v1/uploads}: the file streamed through the API from disk, never held in memory. A
 * refusal the API decides on the headers (a wrong key, a forbidden destination, a file too large)
 * answers at once, and the client reports it rather than the broken upload (seen with a 300 MiB
 * file and a wrong key: the 401 in about a second). No {@code Expect: 100-continue}: a proxy that
 * ignores it would leave the client waiting for a 100 that never comes.
 */
final class StreamedUpload {

  private StreamedUpload() {}

  /**
   * Uploads {@code file} ({@code size} bytes) to {@code destination}.
   *
   * @param headers extra request headers (an {@code Idempotency-Key})
   * @return the task id
   */
  static String upload(
      ApiClient api,
      Path file,
      long size,
      UploadDestination destination,
      Map<String, String> headers,
      ProgressMeter progress) {
    var allHeaders = new LinkedHashMap<>(headers);
    allHeaders.put("Content-Type", "application/octet-stream");
    progress.start("upload", size);
    ApiClient.Response accepted =
        api.postStream(
            TaskPaths.UPLOADS + "?" + destination.query(),
            FileBody.of(file, size, progress::advance),
            allHeaders);
    progress.finish();
    return accepted.body().path("id").asText();
  }
}
