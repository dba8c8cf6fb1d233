package dev.uplink.infra.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.template.CloudFormationTemplate.Resource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The functions' packages read Secrets Manager alone; SSM Parameter Store comes as a layer
 * (uplink-secrets-ssm and the SDK's SSM client), which a stack creates and attaches only when a
 * secret parameter names an SSM parameter, to exactly the functions whose variables name secrets.
 */
class SsmSecretsLayerTemplateTest {

  private static final String LAYER = "SsmSecretsLayer";

  private static final List<String> SECRET_PARAMETERS =
      List.of(
          "ApiKeysSecretArn",
          "OperatorKeysSecretArn",
          "IncusClientCertSecretArn",
          "IncusClientKeySecretArn",
          "IncusServerCertSecretArn",
          "TaskSealPreviousKeySecretArn");

  private final CloudFormationTemplate template = CloudFormationTemplate.packaged();

  private static Map<String, String> allInSecretsManager() {
    var parameters = new HashMap<String, String>();
    for (String parameter : SECRET_PARAMETERS) {
      parameters.put(
          parameter,
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + parameter + "-AbCdEf");
    }
    parameters.put("IncusUrl", "https://incus.example.com:8443");
    return parameters;
  }

  private boolean createsTheLayer(Map<String, String> parameters) {
    var stack = new StackConditions(template, parameters);
    assertThat(stack.brokenRules()).as("rules broken by %s", parameters).isEmpty();
    return stack.resources().contains(LAYER);
  }

  @Test
  @DisplayName("With every secret in Secrets Manager, the stack has no SSM layer")
  void noLayerWhenEverySecretIsInSecretsManager() {
    assertThat(createsTheLayer(allInSecretsManager())).isFalse();
  }

  @Test
  @DisplayName("An empty optional secret parameter does not count as an SSM parameter")
  void anEmptySecretParameterIsNoSsmParameter() {
    var parameters = allInSecretsManager();
    parameters.put("TaskSealPreviousKeySecretArn", "");
    parameters.put("ProcessorMode", "External");
    parameters.put("IncusClientCertSecretArn", "");
    parameters.put("IncusClientKeySecretArn", "");
    parameters.put("IncusServerCertSecretArn", "");

    assertThat(createsTheLayer(parameters)).isFalse();
  }

  @Test
  @DisplayName("Any one secret parameter naming an SSM parameter brings the layer")
  void anyOneSsmParameterBringsTheLayer() {
    for (String parameter : SECRET_PARAMETERS) {
      var parameters = allInSecretsManager();
      parameters.put(parameter, "arn:aws:ssm:eu-west-1:123456789012:parameter/uplink/" + parameter);

      assertThat(createsTheLayer(parameters)).as(parameter).isTrue();
    }
  }

  @Test
  @DisplayName(
      "The layer is the one secrets-ssm builds, for the functions' runtime and architecture")
  void theLayerIsTheModulesBuild() {
    Resource layer = template.resource(LAYER);
    assertThat(layer.type()).isEqualTo("AWS::Serverless::LayerVersion");
    assertThat(layer.condition()).contains("SecretsInSsm");
    assertThat(layer.require("ContentUri"))
        .isEqualTo("secrets-ssm/target/uplink-ssm-secrets-layer.zip");
    assertThat(layer.require("CompatibleRuntimes")).isEqualTo(List.of("java21"));
    assertThat(layer.require("CompatibleArchitectures")).isEqualTo(List.of("arm64"));
  }

  @Test
  @DisplayName(
      "Exactly the functions whose variables name a secret carry the layer, when it exists")
  void exactlyTheFunctionsThatReadSecretsCarryIt() {
    Object layers =
        Map.of(
            "Fn::If",
            List.of("SecretsInSsm", List.of(Map.of("Ref", LAYER)), Map.of("Ref", "AWS::NoValue")));
    for (Resource function : template.resourcesOfType("AWS::Serverless::Function")) {
      Object variables = function.property("Environment.Variables").orElse(Map.of());
      boolean readsSecrets =
          ((Map<?, ?>) variables).keySet().stream().anyMatch(n -> ((String) n).endsWith("_SECRET"));
      if (readsSecrets) {
        assertThat(function.property("Layers")).as(function.logicalId()).contains(layers);
      } else {
        assertThat(function.property("Layers")).as(function.logicalId()).isEmpty();
      }
    }
  }
}
