package dev.uplink.infra.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.template.CloudFormationTemplate.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@code template.yaml} deploys either consumer of the work queue: the processor function ({@code
 * ProcessorMode=Lambda}, the default), or {@code uplink processor} on the user's own host ({@code
 * External}), which gets a least-privilege managed policy and its settings as outputs. The
 * processor's and reconciler's functions may run in a VPC.
 */
class ProcessorModeTemplateTest {

  private static final String FUNCTION = "AWS::Serverless::Function";
  private static final String LAMBDA_ONLY = "LambdaProcessor";
  private static final Map<String, Object> NO_VALUE = PolicyGrants.NO_VALUE;

  /** What Lambda mode needs besides the defaults. */
  private static final Map<String, String> INCUS =
      Map.of(
          "IncusUrl", "https://incus.example.com:8443",
          "IncusClientCertSecretArn", secret("client.crt"),
          "IncusClientKeySecretArn", secret("client.key"),
          "IncusServerCertSecretArn", secret("server.crt"));

  /** The parameters every stack needs (no default), whatever the mode. */
  private static final Map<String, String> REQUIRED =
      Map.of(
          "ApiKeysSecretArn", secret("api-keys"),
          "OperatorKeysSecretArn", secret("operator-keys"));

  private static final Map<String, String> EXTERNAL =
      with(REQUIRED, Map.of("ProcessorMode", "External"));

  private final CloudFormationTemplate template = CloudFormationTemplate.packaged();

  @Test
  void lambdaIsTheDefaultAndExternalTheOnlyOtherChoice() {
    assertThat(template.parameterDefault("ProcessorMode")).contains("Lambda");
    assertThat(
            ((Map<?, ?>) template.section("Parameters").get("ProcessorMode")).get("AllowedValues"))
        .isEqualTo(List.of("Lambda", "External"));
  }

  @Nested
  class InLambdaMode {

    private final StackConditions stack = new StackConditions(template, with(REQUIRED, INCUS));

    @Test
    void theProcessorFunctionConsumesTheQueueAndNoExternalPolicyIsMade() {
      assertThat(stack.brokenRules()).isEmpty();
      assertThat(stack.resources())
          .contains(
              "ProcessorFunction",
              "ProcessorFunctionLogs",
              "ProcessorErrorAlarm",
              "ProcessorThrottleAlarm",
              "ReconcilerFunction")
          .doesNotContain("ExternalProcessorPolicy");
      assertThat(stack.outputs())
          .doesNotContain("ExternalProcessorPolicyArn", "ExternalProcessorEnvironment");
    }

    @Test
    void theIncusUrlAndItsThreeSecretsAreRequired() {
      for (String parameter : INCUS.keySet()) {
        var without = with(INCUS, Map.of(parameter, ""));
        assertThat(new StackConditions(template, without).brokenRules())
            .as("Lambda mode without %s", parameter)
            .containsExactly("ProcessorMode Lambda needs " + parameter);
      }
    }

    @Test
    void theProcessorFunctionMayReadTheIncusSecretsItIsGiven() {
      assertThat(stack.holds("IncusCredentialsGiven")).isTrue();
    }
  }

  @Nested
  class InExternalMode {

    private final StackConditions stack = new StackConditions(template, EXTERNAL);

    @Test
    void noIncusParameterIsNeeded() {
      assertThat(stack.brokenRules()).isEmpty();
    }

    @Test
    void noProcessorFunctionNorAnythingNamingItIsCreated() {
      List<String> created = stack.resources();
      assertThat(created).doesNotContain("ProcessorFunction", "ProcessorFunctionLogs");
      for (String id : created) {
        assertThat(template.resource(id).properties().toString())
            .as("%s, created in External mode, names no processor function", id)
            .doesNotContain("=ProcessorFunction}", "[ProcessorFunction,");
      }
      assertThat(created)
          .as("the rest of the pipeline is the same")
          .contains(
              "ApiFunction",
              "ObjectCreatedFunction",
              "UploadSweepFunction",
              "ReconcilerFunction",
              "TaskQueue",
              "DeadLetterQueue",
              "TaskTable",
              "UploadBucket",
              "TaskSealKey",
              "DeadLetterAlarm",
              "OldestTaskAlarm");
    }

    @Test
    void theStackOutputsThePolicyAndTheSettingsForUplinkProcessor() {
      assertThat(stack.resources()).contains("ExternalProcessorPolicy");
      assertThat(stack.outputs())
          .contains("ExternalProcessorPolicyArn", "ExternalProcessorEnvironment");
      Map<?, ?> arn = (Map<?, ?>) template.section("Outputs").get("ExternalProcessorPolicyArn");
      assertThat(arn.get("Value")).isEqualTo(Map.of("Ref", "ExternalProcessorPolicy"));
    }
  }

  @Nested
  class TheExternalProcessorsPolicy {

    private final Resource policy = template.resource("ExternalProcessorPolicy");
    private final Map<Object, Set<String>> grants =
        PolicyGrants.of(PolicyGrants.statements(policy.require("PolicyDocument")));

    @Test
    void isAManagedPolicyMadeOnlyInExternalMode() {
      assertThat(policy.type()).isEqualTo("AWS::IAM::ManagedPolicy");
      assertThat(policy.condition()).contains("ExternalProcessor");
      assertThat(template.section("Conditions").get("ExternalProcessor"))
          .isEqualTo(Map.of("Fn::Equals", List.of(ref("ProcessorMode"), "External")));
    }

    @Test
    void allowsExactlyWhatThePollerItsReconcilerAndItsReadinessProbeCall() {
      assertThat(grants)
          .containsOnlyKeys(
              sub("${UploadBucket.Arn}/uploads/*"),
              arnOf("UploadBucket"),
              arnOf("TaskTable"),
              sub("${TaskTable.Arn}/index/openStatus-updatedAt"),
              arnOf("TaskQueue"),
              ref("TaskSealKey"),
              ref("TaskSealPreviousKeySecretArn"),
              ref("SecretsKmsKeyArn"),
              ref("IncusRemotesFileSecretArn"),
              Map.of("Fn::Split", List.of(",", ref("IncusRemoteSecretArns"))));
      assertThat(grants.get(ref("IncusRemotesFileSecretArn")))
          .as("the remotes file, where it is kept in AWS (only when given)")
          .containsExactlyInAnyOrder("secretsmanager:GetSecretValue", "ssm:GetParameter");
      assertThat(grants.get(sub("${UploadBucket.Arn}/uploads/*")))
          .as("read an upload, delete it once pushed; never write one")
          .containsExactlyInAnyOrder("s3:GetObject", "s3:DeleteObject");
      assertThat(grants.get(arnOf("UploadBucket")))
          .as("a missing object is NoSuchKey; HeadBucket for /readyz")
          .containsExactly("s3:ListBucket");
      assertThat(grants.get(arnOf("TaskTable")))
          .as("claim, heartbeat and conclude (conditional updates); DescribeTable for /readyz")
          .containsExactlyInAnyOrder(
              "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DescribeTable");
      assertThat(grants.get(sub("${TaskTable.Arn}/index/openStatus-updatedAt")))
          .as("the reconciler's query of unfinished tasks")
          .containsExactly("dynamodb:Query");
      assertThat(grants.get(arnOf("TaskQueue")))
          .as("consume the work queue; the reconciler publishes lost tasks again")
          .containsExactlyInAnyOrder(
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:ChangeMessageVisibility",
              "sqs:GetQueueAttributes",
              "sqs:GetQueueUrl",
              "sqs:SendMessage");
      assertThat(grants.get(ref("TaskSealKey"))).containsExactly("secretsmanager:GetSecretValue");
    }

    @Test
    void allowsNoWildcardAndNothingOnTheDeadLetterQueueOrTheIncusSecrets() {
      for (var grant : grants.entrySet()) {
        assertThat(grant.getKey().toString()).isNotEqualTo("*");
        for (String action : grant.getValue()) {
          assertThat(action).as("an action on %s", grant.getKey()).doesNotContain("*");
        }
      }
      var beyondRemotes = new HashMap<>(grants);
      // The further remotes' file and secrets may be kept in AWS (IncusRemotes); the default
      // server's credentials stay on the host.
      beyondRemotes.remove(ref("IncusRemotesFileSecretArn"));
      beyondRemotes.remove(Map.of("Fn::Split", List.of(",", ref("IncusRemoteSecretArns"))));
      assertThat(beyondRemotes.keySet().toString())
          .doesNotContain("DeadLetterQueue", "UploadEventsQueue", "Incus", "ApiKeys", "Operator");
    }

    @Test
    void allowsNothingMoreThanTheProcessorAndReconcilerFunctionsMayDoSaveReadiness() {
      var functions = new HashMap<Object, Set<String>>();
      for (String id : List.of("ProcessorFunction", "ReconcilerFunction")) {
        PolicyGrants.of(statementsOf(template.resource(id)))
            .forEach((r, a) -> functions.computeIfAbsent(r, k -> new TreeSet<>()).addAll(a));
      }
      grants.forEach(
          (resource, actions) -> {
            var beyond = new TreeSet<>(actions);
            beyond.removeAll(functions.getOrDefault(resource, Set.of()));
            beyond.remove("dynamodb:DescribeTable"); // the poller's /readyz
            assertThat(beyond).as("granted on %s beyond the functions", resource).isEmpty();
          });
    }

    @Test
    void mayDeleteUploadsOnlyWhenTheStackDoesNotKeepThem() {
      assertThat(conditionalGrants(policy.require("PolicyDocument")))
          .containsEntry("DeleteObjectsAfterPush", List.of("s3:DeleteObject"))
          .containsEntry(
              "RotatingTaskSealKey", List.of("secretsmanager:GetSecretValue", "ssm:GetParameter"))
          .containsEntry("SecretsUseCustomerKey", List.of("kms:Decrypt"));
      assertThat(conditionalGrants(processorPolicy()))
          .as("the processor function's delete too")
          .containsEntry("DeleteObjectsAfterPush", List.of("s3:DeleteObject"));
      assertThat(
              new StackConditions(template, Map.of("KeepObjects", "true"))
                  .holds("DeleteObjectsAfterPush"))
          .isFalse();
      assertThat(new StackConditions(template, Map.of()).holds("DeleteObjectsAfterPush")).isTrue();
      assertThat(environment(template.resource("ProcessorFunction")))
          .containsEntry("UPLINK_KEEP_OBJECTS", ref("KeepObjects"));
    }
  }

  @Nested
  class TheExternalProcessorsEnvironment {

    private final Map<?, ?> output =
        (Map<?, ?>) template.section("Outputs").get("ExternalProcessorEnvironment");

    @Test
    void setsWhatTheProcessorFunctionIsToldByTheStackSaveIncusAndTheDeadLetterQueue() {
      List<?> sub = (List<?>) ((Map<?, ?>) output.get("Value")).get("Fn::Sub");
      String lines = (String) sub.get(0);
      var set = new TreeSet<String>();
      Matcher variable = Pattern.compile("(?m)^(\\w+)=").matcher(lines);
      while (variable.find()) {
        set.add(variable.group(1));
      }
      var expected = new TreeSet<>(environment(template.resource("ProcessorFunction")).keySet());
      expected.removeIf(name -> name.startsWith("UPLINK_INCUS_"));
      expected.remove("UPLINK_DLQ"); // the processor never reads the dead-letter queue
      expected.remove("UPLINK_TASK_SEAL_PREVIOUS_KEY_SECRET"); // only while rotating: README
      expected.add("AWS_REGION");
      assertThat(set).isEqualTo(expected);
    }

    @Test
    void givesTheSameLeaseAsTheQueuesVisibilityTimeout() {
      List<?> sub = (List<?>) ((Map<?, ?>) output.get("Value")).get("Fn::Sub");
      assertThat((String) sub.get(0)).contains("UPLINK_VISIBILITY_TIMEOUT=${Visibility}\n");
      assertThat(((Map<?, ?>) sub.get(1)).get("Visibility"))
          .isEqualTo(template.resource("TaskQueue").require("VisibilityTimeout"));
    }
  }

  @Nested
  class TheProcessorsNetwork {

    private final Object vpc =
        Map.of(
            "Fn::If",
            List.of(
                "ProcessorInVpc",
                Map.of(
                    "SubnetIds", Map.of("Fn::Split", List.of(",", ref("ProcessorSubnetIds"))),
                    "SecurityGroupIds",
                        Map.of("Fn::Split", List.of(",", ref("ProcessorSecurityGroupIds")))),
                NO_VALUE));

    @Test
    void theProcessorAndReconcilerFunctionsRunInTheGivenSubnetsOrOutsideAnyVpc() {
      for (Resource function : template.resourcesOfType(FUNCTION)) {
        if (List.of("ProcessorFunction", "ReconcilerFunction").contains(function.logicalId())) {
          assertThat(function.require("VpcConfig")).as(function.logicalId()).isEqualTo(vpc);
        } else {
          assertThat(function.property("VpcConfig")).as(function.logicalId()).isEmpty();
        }
      }
    }

    @Test
    void emptyMeansNoVpcAndBothListsAreGivenTogether() {
      assertThat(new StackConditions(template, Map.of()).holds("ProcessorInVpc")).isFalse();
      var both =
          new StackConditions(
              template,
              with(
                  INCUS,
                  Map.of(
                      "ProcessorSubnetIds",
                      "subnet-0a1b2c3d,subnet-4e5f6a7b",
                      "ProcessorSecurityGroupIds",
                      "sg-0123abcd")));
      assertThat(both.holds("ProcessorInVpc")).isTrue();
      assertThat(both.brokenRules()).isEmpty();
      var half =
          new StackConditions(
              template, with(INCUS, Map.of("ProcessorSubnetIds", "subnet-0a1b2c3d")));
      assertThat(half.holds("ProcessorInVpc")).isFalse();
      assertThat(half.brokenRules())
          .as("subnets without security groups are refused, not silently ignored")
          .containsExactly(
              "ProcessorSubnetIds and ProcessorSecurityGroupIds are given together, or both left"
                  + " empty");
    }
  }

  @Test
  void everyResourceOrOutputConditionIsDeclared() {
    var used = new ArrayList<String>();
    template.resources().values().forEach(r -> r.condition().ifPresent(used::add));
    for (String condition : used) {
      assertThat(template.section("Conditions")).containsKey(condition);
    }
    assertThat(template.resource("ProcessorFunction").condition()).contains(LAMBDA_ONLY);
  }

  private Object processorPolicy() {
    return ((List<?>) template.resource("ProcessorFunction").require("Policies")).get(0);
  }

  /** Condition to the actions of the conditional statements of a policy document. */
  private static Map<String, List<String>> conditionalGrants(Object policyDocument) {
    var grants = new HashMap<String, List<String>>();
    for (Object statement : PolicyGrants.asList(((Map<?, ?>) policyDocument).get("Statement"))) {
      if (statement instanceof Map<?, ?> map && map.get("Fn::If") instanceof List<?> branches) {
        Map<?, ?> grant = (Map<?, ?>) branches.get(1);
        grants.put(
            (String) branches.get(0),
            PolicyGrants.asList(grant.get("Action")).stream().map(String::valueOf).toList());
      }
    }
    return grants;
  }

  private static List<Map<?, ?>> statementsOf(Resource function) {
    var statements = new ArrayList<Map<?, ?>>();
    for (Object policy : (List<?>) function.require("Policies")) {
      statements.addAll(PolicyGrants.statements(policy));
    }
    return statements;
  }

  private static Map<String, Object> environment(Resource function) {
    return Nodes.stringKeyed(
        (Map<?, ?>) function.property("Environment.Variables").orElse(Map.of()),
        function.logicalId());
  }

  private static Map<String, String> with(Map<String, String> base, Map<String, String> more) {
    var parameters = new HashMap<>(base);
    parameters.putAll(more);
    return parameters;
  }

  private static String secret(String name) {
    return "arn:aws:secretsmanager:eu-west-1:123456789012:secret:uplink/" + name + "-AbCdEf";
  }

  private static Object ref(String name) {
    return Map.of("Ref", name);
  }

  private static Object sub(String text) {
    return Map.of("Fn::Sub", text);
  }

  private static Object arnOf(String resource) {
    return Map.of("Fn::GetAtt", List.of(resource, "Arn"));
  }
}
