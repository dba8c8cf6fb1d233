package dev.uplink.infra.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.template.CloudFormationTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code infra/localstack/} cannot run here (LocalStack needs Docker), so what can be checked
 * without it is checked on the files: they deploy the template as it is, on the LocalStack version
 * the contract test runs, and name secrets rather than pass them.
 */
class LocalStackFilesTest {

  private static final Path DIRECTORY = Path.of("localstack");
  private static final Path DEPLOY = DIRECTORY.resolve("deploy.sh");

  private final CloudFormationTemplate template = CloudFormationTemplate.packaged();

  @Test
  void theScriptRunsTheImageTheContractTestRuns() throws Exception {
    assertThat(Files.readString(DEPLOY))
        .contains("${UPLINK_LOCALSTACK_IMAGE:-" + LocalStackAwsContractTest.DEFAULT_IMAGE + "}");
    assertThat(Files.readString(DIRECTORY.resolve("README.md")))
        .contains(LocalStackAwsContractTest.DEFAULT_IMAGE);
  }

  @Test
  void theScriptGivesEveryParameterWithoutADefaultAndOnlyParametersTheTemplateTakes()
      throws Exception {
    Set<String> given = overrides(Files.readString(DEPLOY));
    Map<String, Object> parameters = template.section("Parameters");
    assertThat(parameters.keySet()).as("the template's parameters").containsAll(given);
    for (var parameter : parameters.entrySet()) {
      if (!((Map<?, ?>) parameter.getValue()).containsKey("Default")) {
        assertThat(given).as("parameters without a default").contains(parameter.getKey());
      }
    }
  }

  @Test
  void secretsAreStoredFromFilesAndNamedToTheStackByArn() throws Exception {
    String script = Files.readString(DEPLOY);
    for (String parameter : overrides(script)) {
      if (parameter.endsWith("SecretArn")) {
        assertThat(script)
            .as("%s is given an ARN the script got from Secrets Manager", parameter)
            .containsPattern(Pattern.quote(parameter) + "=\\$[A-Z_]+_ARN\"");
      }
    }
    assertThat(script).contains("--secret-string \"file://$2\"").doesNotContain("NoEcho");
  }

  @Test
  void theScriptIsValidBashAndTheStackNameMatchesSamconfig() throws Exception {
    Process syntax = new ProcessBuilder("bash", "-n", DEPLOY.toString()).inheritIO().start();
    assertThat(syntax.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(syntax.exitValue()).as("bash -n deploy.sh").isZero();
    assertThat(Files.readString(DIRECTORY.resolve("samconfig.toml")))
        .contains("[localstack.deploy.parameters]")
        .contains("stack_name = \"uplink\"");
    assertThat(Files.readString(DEPLOY)).contains("--stack-name uplink");
  }

  /** The parameter names in the script's {@code --parameter-overrides} (NAME=value words). */
  private static Set<String> overrides(String script) {
    int start = script.indexOf("--parameter-overrides");
    assertThat(start).as("deploy.sh passes --parameter-overrides").isPositive();
    String block = script.substring(start, script.indexOf("\n\n", start));
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("\"?([A-Za-z0-9]+)=").matcher(block);
    while (m.find()) {
      names.add(m.group(1));
    }
    assertThat(names).isNotEmpty();
    return names;
  }
}
