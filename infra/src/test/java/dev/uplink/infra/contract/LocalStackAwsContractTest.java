package dev.uplink.infra.contract;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.AwsSettings;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The AWS contract on LocalStack in a container. Needs a Docker engine, and skips with a message
 * without one (as on our CI machines). The image is pinned ({@value #DEFAULT_IMAGE}, or {@code
 * UPLINK_LOCALSTACK_IMAGE}); LocalStack images released since March 2026 refuse to start without
 * {@code LOCALSTACK_AUTH_TOKEN}, which is passed through from the environment when set.
 */
@ExtendWith(LocalStackAwsContractTest.DockerAvailable.class)
class LocalStackAwsContractTest extends AwsContract {

  static final String DEFAULT_IMAGE = "localstack/localstack:4.9.2";

  private static LocalStackContainer localStack;
  private static AwsClients clients;

  /** Skips the class, saying why, where no Docker engine answers. */
  static final class DockerAvailable implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return DockerClientFactory.instance().isDockerAvailable()
          ? ConditionEvaluationResult.enabled("a Docker engine answers")
          : ConditionEvaluationResult.disabled(
              "no Docker engine: the LocalStack contract tests need one (the same contract runs"
                  + " against the in-process emulators in InProcessAwsContractTest)");
    }
  }

  @BeforeAll
  static void startLocalStack() {
    String image =
        Optional.ofNullable(System.getenv("UPLINK_LOCALSTACK_IMAGE")).orElse(DEFAULT_IMAGE);
    localStack =
        new LocalStackContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("localstack/localstack"))
            .withServices(Service.S3, Service.SQS, Service.DYNAMODB);
    Optional.ofNullable(System.getenv("LOCALSTACK_AUTH_TOKEN"))
        .ifPresent(token -> localStack.withEnv("LOCALSTACK_AUTH_TOKEN", token));
    localStack.start();
    String name = "contract-" + UUID.randomUUID().toString().substring(0, 8);
    AwsSettings settings =
        new AwsSettings(
                localStack.getRegion(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                name,
                name + "-tasks",
                name + "-dlq",
                name + "-tasks")
            .withEndpoints(
                localStack.getEndpoint(), localStack.getEndpoint(), localStack.getEndpoint());
    clients =
        AwsClients.create(
            settings,
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(localStack.getAccessKey(), localStack.getSecretKey())));
    provision(clients);
  }

  @AfterAll
  static void stopLocalStack() {
    if (clients != null) {
      clients.close();
    }
    if (localStack != null) {
      localStack.stop();
    }
  }

  @Override
  protected AwsClients clients() {
    return clients;
  }
}
