package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.PART_SIZE;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Uppy/S3 multipart flow against S3Proxy: parts, retries, a broken part, resume, complete. */
class PresignedMultipartTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  /** Two full parts and a 1 MiB last part. */
  private static byte[] threeParts() {
    byte[] content = new byte[(int) (2 * PART_SIZE + 1024 * 1024)];
    new Random(42).nextBytes(content);
    return content;
  }

  private static JsonNode start(String path, byte[] content) {
    JsonNode created =
        expect(
            api.postJson(ALICE, "/v1/uploads/multipart", declaration("web-1", path, content)), 201);
    assertThat(created.path("partSize").asLong()).isEqualTo(PART_SIZE);
    assertThat(created.path("partCount").asInt()).isEqualTo(3);
    return created;
  }

  private static JsonNode partUrl(JsonNode created, int part) {
    JsonNode url =
        expect(api.post(ALICE, created.path("statusUrl").asText() + "/parts/" + part), 200);
    assertThat(url.path("partNumber").asInt()).isEqualTo(part);
    return url;
  }

  private static byte[] part(byte[] content, int part) {
    int from = (int) ((part - 1) * PART_SIZE);
    return Arrays.copyOfRange(content, from, (int) Math.min(content.length, from + PART_SIZE));
  }

  private static void put(JsonNode created, byte[] content, int part) throws IOException {
    var answer =
        api.sendPresigned(partUrl(created, part), BodyPublishers.ofByteArray(part(content, part)));
    assertThat(answer.statusCode()).as("part %d: %s", part, answer.body()).isEqualTo(200);
  }

  private static List<Integer> uploadedParts(JsonNode created) {
    var parts = new ArrayList<Integer>();
    expect(api.get(ALICE, created.path("partsUrl").asText()), 200)
        .path("parts")
        .forEach(p -> parts.add(p.path("partNumber").asInt()));
    return parts;
  }

  /** A body that sends {@code sent} bytes and then breaks the connection. */
  private static BodyPublisher breaksAfter(int sent) {
    return BodyPublishers.ofInputStream(
        () ->
            new InputStream() {
              private int count;

              @Override
              public int read() throws IOException {
                if (count++ >= sent) {
                  throw new IOException("connection lost (test)");
                }
                return 7;
              }
            });
  }

  @Test
  void partsCanBeRetriedAndResumedAndCompleteOnce() throws Exception {
    byte[] content = threeParts();
    JsonNode created = start("/srv/uploads/big.bin", content);
    put(created, content, 1);
    put(created, content, 3);
    try {
      var broken = api.sendPresigned(partUrl(created, 2), breaksAfter(1024 * 1024));
      assertThat(broken.statusCode()).as("part 2 breaks off: %s", broken.body()).isNotEqualTo(200);
    } catch (IOException e) {
      // the usual way a broken upload ends
    }

    assertThat(uploadedParts(created)).as("what a resuming client sees").containsExactly(1, 3);
    JsonNode early =
        problem(api.post(ALICE, created.path("completeUrl").asText()), 409, "upload-incomplete");
    assertThat(early.path("detail").asText()).contains("part 2 is missing");
    assertThat(early.path("taskStatus").asText()).isEqualTo("AWAITING_UPLOAD");

    put(created, content, 2);
    put(created, content, 2); // a retry of a part that had arrived: the last one counts
    assertThat(uploadedParts(created)).containsExactly(1, 2, 3);
    JsonNode task = expect(api.post(ALICE, created.path("completeUrl").asText()), 202);

    assertThat(task.path("status").asText()).isEqualTo("PENDING");
    String key = "uploads/" + created.path("id").asText();
    var object =
        api.aws
            .clients()
            .s3()
            .getObjectAsBytes(r -> r.bucket(api.aws.settings().bucket()).key(key));
    assertThat(ApiFixture.sha256(object.asByteArray())).isEqualTo(ApiFixture.sha256(content));
    assertThat(api.drainQueue()).containsExactly(created.path("id").asText());
    problem(api.get(ALICE, created.path("partsUrl").asText()), 409, "wrong-status");
  }

  @Test
  void aPartOfTheWrongLengthIsRefusedByItsSignature() throws IOException {
    byte[] content = threeParts();
    JsonNode created = start("/srv/uploads/wrong-part.bin", content);

    try {
      var answer =
          api.sendPresigned(
              partUrl(created, 1), BodyPublishers.ofByteArray(new byte[(int) PART_SIZE - 1]));
      assertThat(answer.statusCode()).isEqualTo(403);
    } catch (IOException e) {
      // S3Proxy may close the connection before reading a refused body: refused all the same.
    }

    assertThat(uploadedParts(created)).isEmpty();
  }

  @Test
  void partsThatAssembleToOtherBytesAreLeftForTheProcessorToCatchWithoutRereadingThem()
      throws IOException {
    // Completing never reads a multipart object back (10 GiB would outlast API Gateway's 29 s):
    // sizes are checked here, and the processor's streaming SHA-256 fails the task before
    // anything is replaced (PresignedCompletionTest shows that end of it).
    byte[] content = threeParts();
    JsonNode created = start("/srv/uploads/other-bytes.bin", content);
    byte[] other = content.clone();
    other[other.length - 1] ^= 1;
    for (int part = 1; part <= 3; part++) {
      put(created, other, part);
    }

    JsonNode task = expect(api.post(ALICE, created.path("completeUrl").asText()), 202);

    assertThat(task.path("status").asText()).isEqualTo("PENDING");
    assertThat(api.drainQueue()).containsExactly(created.path("id").asText());
  }

  @Test
  void cancellingAbortsTheMultipartUpload() throws IOException {
    byte[] content = threeParts();
    JsonNode created = start("/srv/uploads/abandoned.bin", content);
    put(created, content, 1);

    JsonNode cancelled = expect(api.delete(ALICE, created.path("statusUrl").asText()), 200);

    assertThat(cancelled.path("status").asText()).isEqualTo("CANCELLED");
    String key = "uploads/" + created.path("id").asText();
    assertThat(
            api.aws
                .clients()
                .s3()
                .listMultipartUploads(r -> r.bucket(api.aws.settings().bucket()).prefix(key))
                .uploads())
        .as("no parts left behind")
        .isEmpty();
    problem(api.post(ALICE, created.path("statusUrl").asText() + "/parts/2"), 409, "wrong-status");
  }
}
