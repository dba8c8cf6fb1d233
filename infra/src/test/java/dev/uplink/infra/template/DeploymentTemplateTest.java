package dev.uplink.infra.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.template.CloudFormationTemplate.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  private static List<Map<?, ?>> events(Resource function) {
    Object events = function.property("Events").orElse(Map.of());
    var list = new ArrayList<Map<?, ?>>();
    ((Map<?, ?>) events).values().forEach(e -> list.add((Map<?, ?>) e));
    return list;
  }

  private static List<Map<?, ?>> statements(Object policyDocument) {
    var statements = new ArrayList<Map<?, ?>>();
    for (Object statement : asList(((Map<?, ?>) policyDocument).get("Statement"))) {
      statements.add((Map<?, ?>) statement);
    }
    return statements;
  }

  private static List<Object> asList(Object value) {
    return value instanceof List<?> list ? List.copyOf(list) : List.of(value);
  }
}
