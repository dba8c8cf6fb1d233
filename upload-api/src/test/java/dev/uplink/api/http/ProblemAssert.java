package dev.uplink.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** What every error answer of the API must be, whatever carried it. */
public final class ProblemAssert {

  private ProblemAssert() {}

  /**
   * An RFC 9457 answer: the status, {@code application/problem+json}, a {@code type} and {@code
   * title}, the status repeated, a {@code detail}, and {@code field} exactly when one is at fault.
   */
  public static void assertProblem(
      int actualStatus,
      Optional<String> contentType,
      JsonNode problem,
      String rawBody,
      int status,
      String type,
      String field) {
    assertThat(actualStatus).as("status of " + rawBody).isEqualTo(status);
    assertThat(contentType)
        .as("Content-Type")
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(problem.path("type").asText()).as("type").isEqualTo(type);
    assertThat(problem.path("title").asText()).as("title").isNotBlank();
    assertThat(problem.path("status").asInt()).as("status member").isEqualTo(status);
    assertThat(problem.path("detail").asText()).as("detail").isNotBlank();
    if (field == null) {
      assertThat(problem.has("field")).as("no field member").isFalse();
    } else {
      assertThat(problem.path("field").asText()).as("field").isEqualTo(field);
    }
  }
}
