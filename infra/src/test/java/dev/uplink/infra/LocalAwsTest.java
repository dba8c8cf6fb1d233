package dev.uplink.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.infra.testing.LocalAwsExtension;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Exception;

class LocalAwsTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static AwsSettings base(String name) {
    return new AwsSettings(
        "us-east-1",
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        name,
        name + "-tasks",
        name + "-dlq",
        name + "-tasks");
  }

  @Test
  void givenPersistentData_whenRestartedOnTheSameDirectory_thenObjectsAndTablesAreStillThere(
      @TempDir Path dataDir) {
    AwsSettings settings = base("persist");
    try (LocalAws first = LocalAws.start(dataDir, true);
        AwsClients clients = first.clients(settings)) {
      new AwsProvisioner(clients).provision(Duration.ofSeconds(30), 5);
      clients.s3().putObject(r -> r.bucket("persist").key("kept"), RequestBody.fromString("hi"));
    }

    try (LocalAws second = LocalAws.start(dataDir, true);
        AwsClients clients = second.clients(settings)) {
      assertThat(clients.dynamoDb().listTables().tableNames())
          .as("tables after a restart")
          .contains("persist-tasks");
      assertThat(clients.s3().getObjectAsBytes(r -> r.bucket("persist").key("kept")).asUtf8String())
          .as("the object after a restart")
          .isEqualTo("hi");
    }
  }

  @Test
  void givenWrongSecret_whenS3IsCalled_thenRequestIsRejected() {
    var wrong =
        StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalAws.ACCESS_KEY_ID, "not-the-secret"));
    try (var clients = AwsClients.create(aws.settings(), wrong)) {
      assertThatThrownBy(() -> clients.s3().listObjectsV2(r -> r.bucket(aws.settings().bucket())))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
  }

  /**
   * The local stack runs the upload API (Javalin) next to DynamoDB Local, and both bring Jetty:
   * this guards the version alignment in infra/pom.xml.
   */
  @Test
  void givenEmulatorsRunning_whenJavalinStartsInTheSameJvm_thenBothServe() throws Exception {
    Javalin app = Javalin.create(config -> config.routes.get("/", ctx -> ctx.result("up")));
    try {
      app.start("127.0.0.1", 0);
      var response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(response.body()).isEqualTo("up");
      assertThat(aws.clients().dynamoDb().listTables().tableNames())
          .contains(aws.settings().table());
    } finally {
      app.stop();
    }
  }
}
