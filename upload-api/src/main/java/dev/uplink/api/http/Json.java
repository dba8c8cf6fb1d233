package dev.uplink.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.operations.JsonValues;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON the API writes: task representations and problems, built as ordered maps. */
final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode JSON", e);
    }
  }

  /**
   * Parses a request body that must be one JSON object.
   *
   * @throws ProblemException 400 otherwise
   */
  static JsonNode parseObject(byte[] body) {
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (IOException e) {
      throw UploadRoutes.invalidParam("body", "is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw UploadRoutes.invalidParam("body", "must be a JSON object");
    }
    return node;
  }

  static String timestamp(Instant instant) {
    return JsonValues.timestamp(instant);
  }

  /** The answer to a successful upload. */
  static Map<String, Object> accepted(UploadTask task, String statusUrl) {
    var body = new LinkedHashMap<String, Object>();
    body.put("id", task.id().value());
    body.put("status", task.status().name());
    body.put("statusUrl", statusUrl);
    return body;
  }

  /** A task as its owner sees it. */
  static Map<String, Object> task(UploadTask task) {
    var body = new LinkedHashMap<String, Object>();
    body.put("id", task.id().value());
    body.put("status", task.status().name());
    if (!task.destination().onDefaultRemote()) {
      body.put("remote", task.destination().remote());
    }
    body.put("project", task.destination().project());
    body.put("container", task.destination().instance());
    body.put("path", task.destination().path());
    body.put("mode", task.destination().octalMode());
    body.put("uid", task.destination().uid());
    body.put("gid", task.destination().gid());
    body.put("size", task.size());
    body.put("sha256", task.sha256());
    body.put("attempts", task.attempts());
    body.put("bytesPushed", task.bytesPushed());
    body.put(
        "upload",
        task.directUpload()
            .map(
                upload -> {
                  var direct = new LinkedHashMap<String, Object>();
                  direct.put("kind", upload.isMultipart() ? "multipart" : "put");
                  direct.put("expiresAt", timestamp(upload.expiresAt()));
                  return direct;
                })
            .orElse(null));
    body.put("lastError", task.lastError().map(JsonValues::error).orElse(null));
    body.put("createdAt", timestamp(task.createdAt()));
    body.put("updatedAt", timestamp(task.updatedAt()));
    body.put("timeline", task.timeline().stream().map(JsonValues::transition).toList());
    return body;
  }
}
