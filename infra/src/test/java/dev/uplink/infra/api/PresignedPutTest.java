package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One presigned PUT against S3Proxy, which checks SigV4 (length and checksum headers are signed)
 * and the {@code x-amz-checksum-sha256} digest, as S3 does: what the store refuses never becomes a
 * task PENDING, and what it would accept is checked again by {@code complete}.
 */
class PresignedPutTest {

  // URLs stay valid long enough for a loaded machine; PresignedUrlExpiryTest signs them for 2 s.
  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  private static final List<String> completed = new ArrayList<>();

  @AfterAll
  static void eachCompletedTaskWasPublishedOnce() {
    assertThat(api.drainQueue())
        .as("one message per completed task, none for refused ones")
        .containsExactlyInAnyOrderElementsOf(completed);
  }

  private static byte[] content(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static JsonNode presign(String path, byte[] content) {
    var response = api.postJson(ALICE, "/v1/uploads/presign", declaration("web-1", path, content));
    JsonNode body = expect(response, 201);
    assertThat(body.path("status").asText()).isEqualTo("AWAITING_UPLOAD");
    assertThat(response.headers().firstValue("Location")).contains(body.path("statusUrl").asText());
    return body;
  }

  private static String status(JsonNode created) {
    return expect(api.get(ALICE, created.path("statusUrl").asText()), 200).path("status").asText();
  }

  @Test
  void theBytesGoStraightToTheStoreAndCompletingQueuesTheTaskOnce() throws IOException {
    byte[] content = content(300_000);
    JsonNode created = presign("/srv/uploads/a.bin", content);

    var put = api.sendPresigned(created.path("upload"), BodyPublishers.ofByteArray(content));
    assertThat(put.statusCode()).as("S3 answer: %s", put.body()).isEqualTo(200);
    var complete = api.post(ALICE, created.path("completeUrl").asText());

    JsonNode task = expect(complete, 202);
    assertThat(task.path("status").asText()).isEqualTo("PENDING");
    assertThat(task.path("sha256").asText()).isEqualTo(ApiFixture.sha256(content));
    assertThat(
            expect(api.post(ALICE, created.path("completeUrl").asText()), 202)
                .path("status")
                .asText())
        .as("completing again changes nothing")
        .isEqualTo("PENDING");
    completed.add(created.path("id").asText());
  }

  @Test
  void curlCanUploadToTheUrl(@TempDir Path dir) throws Exception {
    assumeThat(Path.of("/usr/bin/curl")).as("curl installed").exists();
    byte[] content = content(123_457);
    Path file = Files.write(dir.resolve("f.bin"), content);
    JsonNode created = presign("/srv/uploads/curl.bin", content);
    JsonNode upload = created.path("upload");
    var command =
        new ArrayList<>(List.of("/usr/bin/curl", "-sS", "-f", "-X", "PUT", "-T", file.toString()));
    upload
        .path("headers")
        .fields()
        .forEachRemaining(
            h -> {
              if (!h.getKey().equalsIgnoreCase("content-length")) {
                command.addAll(List.of("-H", h.getKey() + ": " + h.getValue().asText()));
              }
            });
    command.add(upload.path("url").asText());
    Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(curl.getInputStream().readAllBytes());
    assertThat(curl.waitFor()).as("curl: %s", output).isZero();

    assertThat(
            expect(api.post(ALICE, created.path("completeUrl").asText()), 202)
                .path("status")
                .asText())
        .isEqualTo("PENDING");
    completed.add(created.path("id").asText());
  }

  @Test
  void completingBeforeTheUploadIsIncompleteAndChangesNothing() {
    JsonNode created = presign("/srv/uploads/early.bin", content(1000));

    problem(api.post(ALICE, created.path("completeUrl").asText()), 409, "upload-incomplete");

    assertThat(status(created)).isEqualTo("AWAITING_UPLOAD");
  }

  @Test
  void otherBytesOfTheSameLengthAreRefusedByTheStore() throws IOException {
    byte[] declared = content(4096);
    byte[] other = content(4096);
    other[0] ^= 1;
    JsonNode created = presign("/srv/uploads/other.bin", declared);

    var put = api.sendPresigned(created.path("upload"), BodyPublishers.ofByteArray(other));

    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(put.body()).contains("BadDigest");
    problem(api.post(ALICE, created.path("completeUrl").asText()), 409, "upload-incomplete");
    assertThat(status(created)).isEqualTo("AWAITING_UPLOAD");
  }

  @Test
  void aBodyOfAnotherLengthIsRefusedByTheSignature() throws IOException {
    byte[] declared = content(2048);
    JsonNode created = presign("/srv/uploads/length.bin", declared);

    var shorter =
        api.sendPresigned(created.path("upload"), BodyPublishers.ofByteArray(declared, 0, 2047));

    assertThat(shorter.statusCode()).isEqualTo(403);
    assertThat(shorter.body()).contains("SignatureDoesNotMatch");
    assertThat(status(created)).isEqualTo("AWAITING_UPLOAD");
  }

  @Test
  void aTamperedSignatureOrAnotherKeyIsRefused() throws IOException {
    byte[] content = content(1000);
    JsonNode created = presign("/srv/uploads/tampered.bin", content);
    String url = created.path("upload").path("url").asText();
    int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
    String tampered =
        url.substring(0, at) + (url.charAt(at) == 'a' ? 'b' : 'a') + url.substring(at + 1);
    JsonNode otherTask = presign("/srv/uploads/other-task.bin", content);
    // This task's signature on the other task's key.
    String swapped = url.replace(created.path("id").asText(), otherTask.path("id").asText());

    for (String forged : List.of(tampered, swapped)) {
      ObjectNode request = created.path("upload").deepCopy();
      request.put("url", forged);
      HttpResponse<String> put;
      try {
        put = api.sendPresigned(request, BodyPublishers.ofByteArray(content));
        assertThat(put.statusCode()).as(forged).isEqualTo(403);
      } catch (IOException e) {
        // S3Proxy may close the connection before reading a refused body: refused all the same.
      }
    }

    problem(api.post(ALICE, created.path("completeUrl").asText()), 409, "upload-incomplete");
    problem(api.post(ALICE, otherTask.path("completeUrl").asText()), 409, "upload-incomplete");
  }

  @Test
  void anObjectThatDiffersFromTheDeclarationFailsTheTaskAtCompletion() {
    // A store that checks nothing would keep these bytes; complete must catch them.
    byte[] declared = content(5000);
    byte[] other = content(5001);
    JsonNode created = presign("/srv/uploads/mismatch.bin", declared);
    String key = "uploads/" + created.path("id").asText();
    api.aws
        .clients()
        .s3()
        .putObject(
            r -> r.bucket(api.aws.settings().bucket()).key(key),
            software.amazon.awssdk.core.sync.RequestBody.fromBytes(other));

    JsonNode problem =
        problem(api.post(ALICE, created.path("completeUrl").asText()), 422, "upload-mismatch");

    assertThat(problem.path("taskStatus").asText()).isEqualTo("FAILED");
    JsonNode task = expect(api.get(ALICE, created.path("statusUrl").asText()), 200);
    assertThat(task.path("status").asText()).isEqualTo("FAILED");
    assertThat(task.path("lastError").path("code").asText()).isEqualTo("UPLOAD_MISMATCH");
    assertThat(api.storedKeys()).as("the mismatching object is deleted").doesNotContain(key);
  }
}
