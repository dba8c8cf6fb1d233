package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A presigned URL used after its expiry is refused by the store, and the task keeps waiting. */
class PresignedUrlExpiryTest {

  private static final Duration EXPIRY = Duration.ofSeconds(2);

  @RegisterExtension static final ApiFixture api = ApiFixture.create(ApiFixture.limits(EXPIRY), 64);

  @Test
  void anExpiredUrlIsRefused() throws Exception {
    byte[] content = new byte[1000];
    JsonNode created =
        expect(
            api.postJson(
                ALICE,
                "/v1/uploads/presign",
                declaration("web-1", "/srv/uploads/late.bin", content)),
            201);
    Thread.sleep(EXPIRY.plusSeconds(1).toMillis());

    var put = api.sendPresigned(created.path("upload"), BodyPublishers.ofByteArray(content));

    assertThat(put.statusCode()).isEqualTo(403);
    assertThat(put.body()).contains("expired");
    assertThat(
            expect(api.get(ALICE, created.path("statusUrl").asText()), 200).path("status").asText())
        .isEqualTo("AWAITING_UPLOAD");
  }
}
