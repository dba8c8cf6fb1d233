package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.problem;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several requests over one kept-alive HTTP/1.1 connection (what every client library and reverse
 * proxy does): each request's header values must be taken exactly as sent. Jetty's per-connection
 * header cache matches cached fields ignoring case by default, so an {@code Authorization} value
 * differing only in case from an earlier one was read as the earlier value: "Bearer Key-Alice"
 * authenticated as the owner of "key-alice". (X-File-Path is not cached by Jetty; its test guards
 * that it stays so.)
 */
@DisplayName("Requests on one kept-alive connection")
class KeptAliveConnectionTest {

  private static final String KEY = "key-alice";

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static UploadApi api;
  private static UplinkHttp http;

  @BeforeAll
  static void startApi() {
    api =
        UploadApi.start(
            "127.0.0.1",
            0,
            Map.of(KEY, "alice"),
            UploadServices.onAws(aws.config(), aws.clients()));
    http = new UplinkHttp(URI.create("http://127.0.0.1:" + api.port()));
  }

  @AfterAll
  static void stopApi() {
    if (http != null) {
      http.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  @DisplayName("refuse an API key that differs from a valid one only in case")
  void keyDifferingOnlyInCaseIsRefused() {
    String id =
        acceptedId(http.uploadBytes(KEY, query("container", "demo", "path", "/a"), new byte[] {1}));
    assertThat(http.task(KEY, id).statusCode()).as("GET with the valid key").isEqualTo(200);

    problem(http.task("Key-Alice", id), 401, "unauthorized");
    problem(http.task("KEY-ALICE", id), 401, "unauthorized");
  }

  @Test
  @DisplayName("keep an X-File-Path that differs from the previous one only in case")
  void filePathHeadersKeepTheirCase() {
    String dir = "/srv/e2e-" + TestFiles.randomSuffix();
    for (String path :
        new String[] {dir + "/report.bin", dir + "/Report.bin", dir + "/REPORT.bin"}) {
      String id =
          acceptedId(
              http.post(
                  KEY,
                  "",
                  Map.of("X-Container-Name", "demo", "X-File-Path", path),
                  "application/octet-stream",
                  BodyPublishers.ofByteArray(new byte[] {1})));
      assertThat(UplinkHttp.json(http.task(KEY, id)).path("path").asText())
          .as("path of the task uploaded with X-File-Path %s", path)
          .isEqualTo(path);
    }
  }
}
