package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.OPERATOR;
import static dev.uplink.infra.api.ApiFixture.expect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.http.Probes;
import dev.uplink.core.health.Readiness;
import dev.uplink.core.health.ReadinessCheck;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /readyz} needs no key and says whether the API is ready; which dependency failed and why
 * (exception texts naming hosts and ports) only an operator key sees. Against the API on real
 * sockets, with a readiness check the test makes fail.
 */
class ReadinessDetailsTest {

  private static final String WHY = "connect to 10.20.30.40:8000 refused";
  private static final AtomicReference<String> failure = new AtomicReference<>();

  @RegisterExtension
  static final ApiFixture api =
      ApiFixture.create(
          64,
          settings ->
              settings.withProbes(
                  new Probes(
                      new Readiness(
                          List.of(
                              new ReadinessCheck(
                                  "dynamodb",
                                  () -> {
                                    if (failure.get() != null) {
                                      throw new IllegalStateException(failure.get());
                                    }
                                  })),
                          Readiness.DEFAULT_TIMEOUT),
                      Optional.empty())));

  @AfterEach
  void recover() {
    failure.set(null);
  }

  @Test
  void givenADependencyDown_whenAnyoneButAnOperatorAsks_thenReadyzIs503WithoutWhichOrWhy() {
    failure.set(WHY);

    for (String key : Arrays.asList(null, ALICE, "not-a-key")) {
      HttpResponse<String> response = api.get(key, "/readyz");

      JsonNode problem = expect(response, 503);
      assertThat(problem.path("type").asText()).endsWith("/not-ready");
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
      assertThat(problem.has("checks")).as("key %s: no checks", key).isFalse();
      assertThat(response.body()).as("key %s", key).doesNotContain("dynamodb", "10.20.30.40");
    }
  }

  @Test
  void givenADependencyDown_whenAnOperatorAsks_thenReadyzNamesItAndWhy() {
    failure.set(WHY);

    JsonNode problem = expect(api.get(OPERATOR, "/readyz"), 503);

    assertThat(problem.path("checks").path("dynamodb").asText()).contains(WHY);
    assertThat(problem.path("detail").asText()).contains("dynamodb");
  }

  @Test
  void givenEverythingAnswers_thenReadyzIs200AndOnlyOperatorsSeeTheChecks() {
    JsonNode anonymous = expect(api.get(null, "/readyz"), 200);
    JsonNode operator = expect(api.get(OPERATOR, "/readyz"), 200);

    assertThat(anonymous.path("status").asText()).isEqualTo("ready");
    assertThat(anonymous.has("checks")).isFalse();
    assertThat(operator.path("checks").path("dynamodb").asText()).isEqualTo("ok");
  }
}
