package dev.uplink.infra.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.template.CloudFormationTemplate.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The invariants of {@code template.yaml} a security reviewer and AWS's own rules ask for, checked
 * on the template itself (no AWS needed). The template is read as the local stack reads it.
 */
class DeploymentTemplateTest {

  private static final String FUNCTION = "AWS::Serverless::Function";
  private static final Map<String, Object> PROCESSOR_TIMEOUT = Map.of("Ref", "ProcessorTimeout");
  private static final Map<String, Object> VISIBILITY_FOR_TIMEOUT =
      Map.of("Fn::FindInMap", List.of("VisibilityForTimeout", PROCESSOR_TIMEOUT, "Seconds"));

  private static final Map<String, Object> NO_VALUE = Map.of("Ref", "AWS::NoValue");

  /** Settings whose values are secrets: only ever named ({@code X_SECRET}), never given. */
  private static final List<String> SECRET_SETTINGS =
      List.of(
          "UPLINK_API_KEYS",
          "UPLINK_OPERATOR_KEYS",
          "UPLINK_INCUS_CERT",
          "UPLINK_INCUS_KEY",
          "UPLINK_INCUS_SERVER_CERT");

  private final CloudFormationTemplate template = CloudFormationTemplate.packaged();

  @Test
  void everyAllowedProcessorTimeoutGivesTheQueueAtLeastSixTimesThatVisibility() {
    List<?> allowed =
        (List<?>)
            ((Map<?, ?>) template.section("Parameters").get("ProcessorTimeout"))
                .get("AllowedValues");
    assertThat(allowed).isNotEmpty();
    for (Object timeout : allowed) {
      int seconds = Integer.parseInt(timeout.toString());
      Object visibility = template.findInMap("VisibilityForTimeout", timeout.toString(), "Seconds");
      assertThat(((Number) visibility).intValue())
          .as("visibility for a %s s processor", seconds)
          .isGreaterThanOrEqualTo(6 * seconds)
          .isLessThanOrEqualTo(43_200);
    }
    Resource processor = template.resource("ProcessorFunction");
    assertThat(processor.require("Timeout")).isEqualTo(PROCESSOR_TIMEOUT);
    assertThat(template.resource("TaskQueue").require("VisibilityTimeout"))
        .as("the queue's visibility, looked up from the processor's timeout")
        .isEqualTo(VISIBILITY_FOR_TIMEOUT);
    assertThat(processor.require("Environment.Variables.UPLINK_VISIBILITY_TIMEOUT"))
        .as("the lease the processor takes, the same lookup")
        .isEqualTo(VISIBILITY_FOR_TIMEOUT);
  }

  @Test
  void theWorkQueueRedrivesToTheDeadLetterQueueAfterMaxReceiveCount() {
    Resource queue = template.resource("TaskQueue");
    assertThat(queue.require("RedrivePolicy.deadLetterTargetArn"))
        .isEqualTo(Map.of("Fn::GetAtt", List.of("DeadLetterQueue", "Arn")));
    assertThat(queue.require("RedrivePolicy.maxReceiveCount"))
        .isEqualTo(Map.of("Ref", "MaxReceiveCount"));
    assertThat(template.parameterDefault("MaxReceiveCount")).contains("5");
    assertThat(
            template
                .resource("ProcessorFunction")
                .require("Environment.Variables.UPLINK_MAX_RECEIVE_COUNT"))
        .as("the processor marks the last receive RETRIES_EXHAUSTED: it must know which it is")
        .isEqualTo(Map.of("Ref", "MaxReceiveCount"));
    assertThat(template.resource("DeadLetterQueue").require("MessageRetentionPeriod"))
        .as("14 days, the most SQS keeps a message")
        .isEqualTo(1_209_600);
  }

  @Test
  void everyQueueIsEncryptedAtRest() {
    List<Resource> queues = template.resourcesOfType("AWS::SQS::Queue");
    assertThat(queues).hasSizeGreaterThanOrEqualTo(2);
    for (Resource queue : queues) {
      assertThat(
              queue.property("SqsManagedSseEnabled").orElse(false).equals(true)
                  || queue.property("KmsMasterKeyId").isPresent())
          .as("%s is encrypted", queue.logicalId())
          .isTrue();
    }
  }

  @Test
  void everyQueueEventSourceReportsBatchItemFailures() {
    int sources = 0;
    for (Resource function : template.resourcesOfType(FUNCTION)) {
      for (Map<?, ?> event : events(function)) {
        if ("SQS".equals(event.get("Type"))) {
          sources++;
          assertThat(((Map<?, ?>) event.get("Properties")).get("FunctionResponseTypes"))
              .as(
                  "%s's queue event: one bad message must not redeliver the batch",
                  function.logicalId())
              .isEqualTo(List.of("ReportBatchItemFailures"));
        }
      }
    }
    assertThat(sources).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theBucketIsPrivateEncryptedAndCleansUpAbandonedMultipartUploads() {
    Resource bucket = template.resource("UploadBucket");
    assertThat(bucket.require("PublicAccessBlockConfiguration"))
        .isEqualTo(
            Map.of(
                "BlockPublicAcls", true,
                "BlockPublicPolicy", true,
                "IgnorePublicAcls", true,
                "RestrictPublicBuckets", true));
    assertThat(bucket.require("BucketEncryption").toString()).contains("SSEAlgorithm");
    assertThat(bucket.require("LifecycleConfiguration").toString())
        .contains("AbortIncompleteMultipartUpload={DaysAfterInitiation=1}");
  }

  @Test
  void theBucketRefusesRequestsNotMadeOverTls() {
    List<Resource> policies =
        template.resourcesOfType("AWS::S3::BucketPolicy").stream()
            .filter(p -> p.require("Bucket").equals(Map.of("Ref", "UploadBucket")))
            .toList();
    assertThat(policies).hasSize(1);
    assertThat(statements(policies.get(0).require("PolicyDocument")))
        .anySatisfy(
            statement -> {
              assertThat(statement.get("Effect")).isEqualTo("Deny");
              assertThat(statement.get("Action")).isEqualTo("s3:*");
              assertThat(statement.get("Condition"))
                  .isEqualTo(Map.of("Bool", Map.of("aws:SecureTransport", false)));
            });
  }

  @Test
  void noFunctionPolicyGrantsAWildcardActionOrAManagedPolicy() {
    int statements = 0;
    for (Resource function : template.resourcesOfType(FUNCTION)) {
      List<?> policies = (List<?>) function.require("Policies");
      for (Object policy : policies) {
        assertThat(policy)
            .as(
                "%s: inline statements only, no managed or SAM policy templates",
                function.logicalId())
            .isInstanceOf(Map.class);
        for (Map<?, ?> statement : statements(policy)) {
          statements++;
          assertThat(statement.get("Effect")).isEqualTo("Allow");
          for (Object action : asList(statement.get("Action"))) {
            assertThat(action.toString())
                .as("an action of %s", function.logicalId())
                .doesNotContain("*");
          }
          assertThat(asList(statement.get("Resource")))
              .as("the resources of %s", function.logicalId())
              .doesNotContain("*");
        }
      }
    }
    assertThat(statements).isGreaterThan(10);
  }

  @Test
  void everyFunctionLogsToItsOwnLogGroupWithARetention() {
    for (Resource function : template.resourcesOfType(FUNCTION)) {
      Object logGroupRef = function.require("LoggingConfig.LogGroup");
      assertThat(logGroupRef).isInstanceOf(Map.class);
      String logGroupId = (String) ((Map<?, ?>) logGroupRef).get("Ref");
      Resource logGroup = template.resource(logGroupId);
      assertThat(logGroup.type()).isEqualTo("AWS::Logs::LogGroup");
      assertThat(logGroup.require("RetentionInDays"))
          .as("%s's log retention", function.logicalId())
          .isEqualTo(Map.of("Ref", "LogRetentionDays"));
    }
  }

  @Test
  void everyFunctionRunsJava21OnArm64FromASnapStartSnapshot() {
    Map<String, Object> globals =
        Nodes.stringKeyed((Map<?, ?>) template.section("Globals").get("Function"), "Globals");
    assertThat(globals)
        .containsEntry("Runtime", "java21")
        .containsEntry("Architectures", List.of("arm64"))
        .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"))
        .containsEntry("AutoPublishAlias", "live");
    List<Resource> functions = template.resourcesOfType(FUNCTION);
    assertThat(functions).hasSizeGreaterThanOrEqualTo(5);
    for (Resource function : functions) {
      assertThat(function.properties())
          .as("%s takes the global runtime", function.logicalId())
          .doesNotContainKeys("Runtime", "Architectures", "SnapStart", "AutoPublishAlias");
    }
  }

  @Test
  void theFifoChoiceMakesBothQueuesFifoAndTellsTheProcessor() {
    Object fifo = Map.of("Fn::If", List.of("FifoQueues", true, Map.of("Ref", "AWS::NoValue")));
    assertThat(template.resource("TaskQueue").require("FifoQueue")).isEqualTo(fifo);
    assertThat(template.resource("DeadLetterQueue").require("FifoQueue"))
        .as("a FIFO queue's dead-letter queue must be FIFO too")
        .isEqualTo(fifo);
    assertThat(
            template
                .resource("ProcessorFunction")
                .require("Environment.Variables.UPLINK_QUEUE_FIFO"))
        .isEqualTo(Map.of("Fn::If", List.of("FifoQueues", "true", "false")));
  }

  @Test
  void alarmsWatchDeadLettersOldMessagesAndProcessorErrorsAndThrottles() {
    Map<String, String> watched = new HashMap<>();
    for (Resource alarm : template.resourcesOfType("AWS::CloudWatch::Alarm")) {
      watched.put(
          alarm.require("MetricName").toString(),
          ((Map<?, ?>) ((List<?>) alarm.require("Dimensions")).get(0)).get("Value").toString());
      assertThat(alarm.require("AlarmActions").toString())
          .as("%s notifies the topic parameter", alarm.logicalId())
          .contains("AlarmTopicArn");
      if (alarm.require("Dimensions").toString().contains("ProcessorFunction")) {
        assertThat(alarm.condition())
            .as("%s watches a function that exists only in Lambda mode", alarm.logicalId())
            .isEqualTo(template.resource("ProcessorFunction").condition());
      }
    }
    assertThat(watched)
        .containsEntry(
            "ApproximateNumberOfMessagesVisible", "{Fn::GetAtt=[DeadLetterQueue, QueueName]}")
        .containsEntry("ApproximateAgeOfOldestMessage", "{Fn::GetAtt=[TaskQueue, QueueName]}")
        .containsEntry("Errors", "{Ref=ProcessorFunction}")
        .containsEntry("Throttles", "{Ref=ProcessorFunction}");
  }

  @Test
  void theOutputsNameTheApiBucketQueuesAndTable() {
    assertThat(template.section("Outputs"))
        .containsKeys(
            "ApiUrl",
            "BucketName",
            "TableName",
            "QueueName",
            "QueueUrl",
            "DeadLetterQueueName",
            "DeadLetterQueueUrl");
  }

  @Test
  void everyParameterIsUsed() {
    String body =
        template.section("Resources")
            + " "
            + template.section("Outputs")
            + " "
            + template.section("Conditions");
    for (String parameter : template.section("Parameters").keySet()) {
      Matcher used =
          Pattern.compile("\\{Ref=" + parameter + "}|\\$\\{" + parameter + "[}.]").matcher(body);
      assertThat(used.find()).as("parameter %s is used", parameter).isTrue();
    }
  }

  @Test
  void theTableIsOnDemandWithPointInTimeRecoveryAndTimeToLive() {
    Resource table = template.resource("TaskTable");
    assertThat(table.require("BillingMode")).isEqualTo("PAY_PER_REQUEST");
    assertThat(table.require("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"))
        .isEqualTo(true);
    assertThat(table.require("TimeToLiveSpecification"))
        .isEqualTo(Map.of("AttributeName", "expiresAt", "Enabled", true));
  }

  @Nested
  class TheOperatorsEndpoints {

    private final Resource api = template.resource("ApiFunction");

    @Test
    void theApiFunctionMayDoExactlyWhatSqsDeadLetterQueueDoesToTheDeadLetterQueue() {
      assertThat(grants(api).get(arnOf("DeadLetterQueue")))
          .as("the Api function's actions on the dead-letter queue")
          .containsExactlyInAnyOrder(
              "sqs:ReceiveMessage", // list, show, redrive: look at and hold messages
              "sqs:ChangeMessageVisibility", // release held messages (ChangeMessageVisibilityBatch)
              "sqs:DeleteMessage", // stale and sent-back messages (DeleteMessageBatch)
              "sqs:GetQueueAttributes", // depths, and the ARN a move names
              "sqs:GetQueueUrl", // the queue is looked up by name
              "sqs:StartMessageMoveTask", // redrive all by a server-side move
              "sqs:ListMessageMoveTasks"); // a redrive in progress, the last one
    }

    @Test
    void itMaySendToCountAndNameTheWorkQueueButNotConsumeIt() {
      assertThat(grants(api).get(arnOf("TaskQueue")))
          .containsExactlyInAnyOrder(
              "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes");
    }

    @Test
    void aRetryOrARedriveReadsAndConditionallyUpdatesTasksOnlyInTheTaskTable() {
      assertThat(grants(api).get(arnOf("TaskTable")))
          .as("find is GetItem; the FAILED to PENDING transition a conditional UpdateItem")
          .contains("dynamodb:GetItem", "dynamodb:UpdateItem")
          .doesNotContain("dynamodb:DeleteItem", "dynamodb:Scan");
    }

    @Test
    void theApiFunctionIsToldTheDeadLetterQueueAndGetsTheOperatorKeysFromTheirSecret() {
      assertThat(environment(api))
          .containsEntry(
              "UPLINK_DLQ", Map.of("Fn::GetAtt", List.of("DeadLetterQueue", "QueueName")))
          .containsEntry("UPLINK_OPERATOR_KEYS_SECRET", ref("OperatorKeysSecretArn"))
          .containsEntry("UPLINK_API_KEYS_SECRET", ref("ApiKeysSecretArn"));
    }

    @Test
    void whoeverMayStartAMoveMayAlsoDoWhatSqsChecksOnBothQueues() {
      // SQS authorizes StartMessageMoveTask against the source (ReceiveMessage, DeleteMessage,
      // GetQueueAttributes) and the destination (SendMessage): without them the move is refused.
      int movers = 0;
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        Map<Object, Set<String>> grants = grants(function);
        for (var grant : grants.entrySet()) {
          if (!grant.getValue().contains("sqs:StartMessageMoveTask")) {
            continue;
          }
          movers++;
          assertThat(grant.getValue())
              .as("%s on the move's source %s", function.logicalId(), grant.getKey())
              .contains("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes");
          for (Resource queue : template.resourcesOfType("AWS::SQS::Queue")) {
            if (grant
                .getKey()
                .equals(queue.property("RedrivePolicy.deadLetterTargetArn").orElse(null))) {
              assertThat(grants.get(arnOf(queue.logicalId())))
                  .as("%s on the move's destination %s", function.logicalId(), queue.logicalId())
                  .contains("sqs:SendMessage");
            }
          }
        }
      }
      assertThat(movers).as("functions that may start a move").isEqualTo(1);
    }
  }

  @Nested
  class Secrets {

    /** The remotes' certificates and keys: the secrets the remotes file names. */
    private static final Object REMOTE_SECRETS =
        Map.of("Fn::Split", List.of(",", Map.of("Ref", "IncusRemoteSecretArns")));

    @Test
    void noFunctionIsGivenASecretValueOnlyTheArnOfWhereItIsKept() {
      Map<String, Object> parameters = template.section("Parameters");
      int named = 0;
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        Map<String, Object> environment = environment(function);
        assertThat(environment)
            .as("%s's environment holds no secret value", function.logicalId())
            .doesNotContainKeys(SECRET_SETTINGS.toArray(String[]::new));
        for (String setting : SECRET_SETTINGS) {
          Object reference = environment.get(setting + "_SECRET");
          if (reference == null) {
            continue;
          }
          named++;
          String parameter = (String) ((Map<?, ?>) reference).get("Ref");
          String pattern = ((Map<?, ?>) parameters.get(parameter)).get("AllowedPattern").toString();
          assertThat(pattern)
              .as("%s takes only a Secrets Manager or SSM ARN (or, optional, nothing)", parameter)
              .matches("\\^\\(?arn:aws.*")
              .contains("secretsmanager:", "ssm:");
          if (pattern.startsWith("^(")) {
            assertThat(template.parameterDefault(parameter))
                .as("optional %s", parameter)
                .contains("");
            assertThat(
                    new StackConditions(template, Map.of(parameter, "")).brokenRules().toString())
                .as("%s left empty where the processor function reads it", parameter)
                .contains(parameter);
          }
        }
      }
      assertThat(named).as("secret settings named, over all functions").isEqualTo(5);
      for (var parameter : parameters.entrySet()) {
        assertThat(((Map<?, ?>) parameter.getValue()).get("NoEcho"))
            .as("parameter %s: no secret is passed as a parameter value", parameter.getKey())
            .isNull();
      }
    }

    @Test
    void theProcessorsIncusCredentialsComeFromTheirThreeSecrets() {
      assertThat(environment(template.resource("ProcessorFunction")))
          .containsEntry("UPLINK_INCUS_CERT_SECRET", ref("IncusClientCertSecretArn"))
          .containsEntry("UPLINK_INCUS_KEY_SECRET", ref("IncusClientKeySecretArn"))
          .containsEntry("UPLINK_INCUS_SERVER_CERT_SECRET", ref("IncusServerCertSecretArn"));
    }

    @Test
    void eachFunctionMayReadExactlyTheSecretsItsVariablesNameAndNoOthers() {
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        var named = new HashSet<Object>();
        environment(function)
            .forEach(
                (name, value) -> {
                  if (name.endsWith("_SECRET")) {
                    named.addAll(branches(value));
                  }
                  if (name.equals("UPLINK_INCUS_REMOTES_FILE_SECRET")) {
                    // The remotes file names the remotes' certificates and keys in turn.
                    named.add(REMOTE_SECRETS);
                  }
                });
        var readable = new HashSet<Object>();
        grants(function)
            .forEach(
                (resource, actions) -> {
                  if (actions.stream()
                      .anyMatch(a -> a.startsWith("secretsmanager:") || a.startsWith("ssm:"))) {
                    assertThat(actions)
                        .as("%s on %s", function.logicalId(), resource)
                        .containsExactlyInAnyOrder(
                            "secretsmanager:GetSecretValue", "ssm:GetParameter");
                    readable.add(resource);
                  }
                });
        assertThat(readable).as("the secrets %s may read", function.logicalId()).isEqualTo(named);
      }
    }

    @Test
    void theRemotesNamesGoToTheApiAndTheProcessorTheirSecretsToTheProcessorOnly() {
      Object names = Map.of("Fn::If", List.of("HasIncusRemotes", ref("IncusRemotes"), NO_VALUE));
      assertThat(environment(template.resource("ApiFunction")))
          .containsEntry("UPLINK_INCUS_REMOTES", names)
          .doesNotContainKey("UPLINK_INCUS_REMOTES_FILE_SECRET");
      assertThat(environment(template.resource("ProcessorFunction")))
          .containsEntry("UPLINK_INCUS_REMOTES", names)
          .containsEntry(
              "UPLINK_INCUS_REMOTES_FILE_SECRET",
              Map.of(
                  "Fn::If",
                  List.of("IncusRemotesFileGiven", ref("IncusRemotesFileSecretArn"), NO_VALUE)));
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        var remoteSecrets = new HashSet<>(grants(function).keySet());
        remoteSecrets.retainAll(List.of(ref("IncusRemotesFileSecretArn"), REMOTE_SECRETS));
        if (function.logicalId().equals("ProcessorFunction")) {
          assertThat(remoteSecrets).hasSize(2);
        } else {
          assertThat(remoteSecrets)
              .as("%s may read no secret of a remote", function.logicalId())
              .isEmpty();
        }
      }
      assertThat(
              PolicyGrants.of(
                      PolicyGrants.statements(
                          template
                              .resource("ExternalProcessorPolicy")
                              .property("PolicyDocument")
                              .orElseThrow()))
                  .keySet())
          .as("the external processor's policy")
          .contains(ref("IncusRemotesFileSecretArn"), REMOTE_SECRETS);
      assertThat(
              new StackConditions(template, Map.of("IncusRemotes", "lab")).brokenRules().toString())
          .as("remotes without their file, for the processor function")
          .contains("IncusRemotesFileSecretArn");
    }

    @Test
    void theTaskSealKeyIsGeneratedByTheStackAndOnlyTheApiAndTheProcessorMayReadIt() {
      Resource key = template.resource("TaskSealKey");
      assertThat(key.type()).isEqualTo("AWS::SecretsManager::Secret");
      assertThat(key.property("GenerateSecretString.PasswordLength"))
          .as("a generated key of 64 characters (the processor needs at least 32 bytes)")
          .contains(64);
      var readers = new ArrayList<String>();
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        if (grants(function).containsKey(ref("TaskSealKey"))) {
          readers.add(function.logicalId());
          assertThat(environment(function))
              .containsEntry("UPLINK_TASK_SEAL_KEY_SECRET", ref("TaskSealKey"));
        }
      }
      assertThat(readers).containsExactlyInAnyOrder("ApiFunction", "ProcessorFunction");
    }

    @Test
    void onlyTheProcessorIsGivenThePreviousSealKeyAndOnlyWhileRotating() {
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        Object previous = environment(function).get("UPLINK_TASK_SEAL_PREVIOUS_KEY_SECRET");
        if (function.logicalId().equals("ProcessorFunction")) {
          assertThat(previous)
              .isEqualTo(
                  Map.of(
                      "Fn::If",
                      List.of(
                          "RotatingTaskSealKey", ref("TaskSealPreviousKeySecretArn"), NO_VALUE)));
        } else {
          assertThat(previous).as("%s's previous seal key", function.logicalId()).isNull();
        }
      }
    }

    @Test
    void kmsDecryptIsGrantedOnlyOnTheCustomerKeyOnlyThroughTheSecretStoresAndOnlyIfThereIsOne() {
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        for (Object policy : (List<?>) function.require("Policies")) {
          for (Object statement : asList(((Map<?, ?>) policy).get("Statement"))) {
            if (!statement.toString().contains("kms:")) {
              continue;
            }
            List<?> branches = (List<?>) ((Map<?, ?>) statement).get("Fn::If");
            assertThat(branches)
                .as("%s's KMS grant is conditional", function.logicalId())
                .isNotNull();
            assertThat(branches.get(0)).isEqualTo("SecretsUseCustomerKey");
            assertThat(branches.get(2)).isEqualTo(NO_VALUE);
            Map<?, ?> grant = (Map<?, ?>) branches.get(1);
            assertThat(grant.get("Action")).isEqualTo("kms:Decrypt");
            assertThat(grant.get("Resource")).isEqualTo(ref("SecretsKmsKeyArn"));
            assertThat(grant.get("Condition").toString())
                .contains("kms:ViaService", "secretsmanager.", "ssm.");
          }
        }
      }
    }
  }

  private static List<Map<?, ?>> events(Resource function) {
    Object events = function.property("Events").orElse(Map.of());
    var list = new ArrayList<Map<?, ?>>();
    ((Map<?, ?>) events).values().forEach(e -> list.add((Map<?, ?>) e));
    return list;
  }

  /** The statements of a policy document, both branches of a conditional one. */
  private static List<Map<?, ?>> statements(Object policyDocument) {
    return PolicyGrants.statements(policyDocument);
  }

  /** Every statement of the function's inline policies. */
  private static List<Map<?, ?>> statementsOf(Resource function) {
    var statements = new ArrayList<Map<?, ?>>();
    for (Object policy : (List<?>) function.require("Policies")) {
      statements.addAll(statements(policy));
    }
    return statements;
  }

  /** What the function may do to each resource: resource (as the template writes it) to actions. */
  private static Map<Object, Set<String>> grants(Resource function) {
    return PolicyGrants.of(statementsOf(function));
  }

  private static Map<String, Object> environment(Resource function) {
    return Nodes.stringKeyed(
        (Map<?, ?>) function.property("Environment.Variables").orElse(Map.of()),
        function.logicalId() + ".Environment.Variables");
  }

  /** The values {@code value} may take: both branches of an {@code Fn::If} but no NoValue. */
  private static List<Object> branches(Object value) {
    if (value instanceof Map<?, ?> map && map.containsKey("Fn::If")) {
      return ((List<?>) map.get("Fn::If"))
          .subList(1, 3).stream()
              .filter(branch -> !NO_VALUE.equals(branch))
              .map(b -> (Object) b)
              .toList();
    }
    return List.of(value);
  }

  private static Object ref(String name) {
    return Map.of("Ref", name);
  }

  private static Object arnOf(String resource) {
    return Map.of("Fn::GetAtt", List.of(resource, "Arn"));
  }

  private static List<Object> asList(Object value) {
    return PolicyGrants.asList(value);
  }
}
