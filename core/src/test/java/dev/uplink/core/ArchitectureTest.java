package dev.uplink.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.stream.Stream;

/**
 * What each package of core may use: allow-lists, so that a new dependency is a decision made here
 * rather than something a deny-list forgot. Every package is one of these layers; the JDK ({@code
 * java..}) is always allowed, except HTTP in the domain.
 */
@AnalyzeClasses(packages = "dev.uplink.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String CORE = "dev.uplink.core.";
  private static final String AWS_SDK = "software.amazon..";
  private static final String JACKSON = "com.fasterxml.jackson..";
  private static final String LOGGING = "org.slf4j..";

  /** The ULID library: a {@code TaskId} is a ULID. */
  private static final String ULID = "com.github.f4b6a3.ulid..";

  /** The JDK's HMAC, which the task seal uses. */
  private static final String JDK_CRYPTO = "javax.crypto..";

  @ArchTest
  static final ArchRule every_package_is_a_known_layer =
      classes()
          .should()
          .resideInAnyPackage(
              Stream.of(
                      "domain",
                      "config",
                      "operations",
                      "health",
                      "logging",
                      "json",
                      "aws",
                      "webhooks")
                  .map(layer -> CORE + layer + "..")
                  .toArray(String[]::new))
          .as("every package of core is one of the layers below (a new one gets its own rule)");

  @ArchTest
  static final ArchRule the_domain_uses_the_jdk_alone =
      layer("domain", ULID, JDK_CRYPTO, LOGGING)
          .as(
              "the domain depends on the JDK, the ULID library (TaskId) and slf4j (the reconciler"
                  + " logs) only: no adapter, no configuration, no AWS SDK, no Jackson");

  @ArchTest
  static final ArchRule the_domain_knows_no_http =
      noClasses()
          .that()
          .resideInAPackage(CORE + "domain..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("java.net.http..")
          .as("the domain knows no HTTP client");

  @ArchTest
  static final ArchRule the_configuration_uses_the_domain_alone =
      layer("config", CORE + "domain..")
          .as(
              "configuration depends on the domain and the JDK only (the secret store it finds at run time)");

  @ArchTest
  static final ArchRule the_operations_use_the_ports =
      layer("operations", CORE + "domain..", CORE + "json..", LOGGING)
          .as(
              "the operators' use cases know the domain's ports, their own and the queue message"
                  + " format, never an adapter or the configuration");

  @ArchTest
  static final ArchRule health_uses_the_jdk_alone =
      layer("health").as("readiness and metrics are plain JDK code");

  @ArchTest
  static final ArchRule logging_uses_the_domain_and_slf4j =
      layer("logging", CORE + "domain..", LOGGING).as("the log context knows tasks and slf4j");

  @ArchTest
  static final ArchRule json_uses_the_domain_and_jackson =
      layer("json", CORE + "domain..", JACKSON).as("the JSON adapter knows the domain and Jackson");

  @ArchTest
  static final ArchRule the_aws_adapters_use_the_sdk_and_the_ports =
      layer(
              "aws",
              CORE + "domain..",
              CORE + "config..",
              CORE + "operations..",
              CORE + "json..",
              CORE + "health..",
              AWS_SDK,
              LOGGING)
          .as("the AWS adapters implement the ports (and the readiness checks) with the SDK");

  @ArchTest
  static final ArchRule webhooks_use_the_ports_and_the_jdk =
      layer("webhooks", CORE + "domain..", CORE + "config..", "javax.net.ssl..", LOGGING)
          .as(
              "the webhook fan-out and deliverer know the domain's ports and their settings; they"
                  + " reach receivers with the JDK's sockets and TLS, never an adapter");

  @ArchTest
  static final ArchRule only_the_aws_adapters_import_the_sdk =
      noClasses()
          .that()
          .resideOutsideOfPackage(CORE + "aws..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(AWS_SDK, "com.amazonaws..")
          .as("only core.aws imports the AWS SDK");

  @ArchTest
  static final ArchRule only_the_json_adapter_imports_jackson =
      noClasses()
          .that()
          .resideOutsideOfPackage(CORE + "json..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage(JACKSON)
          .as("only core.json imports Jackson");

  @ArchTest
  static final ArchRule the_adapters_speak_their_ports_language =
      methods()
          .that()
          .areDeclaredInClassesThat()
          .resideInAPackage(CORE + "aws..")
          .and()
          .arePublic()
          .and()
          .areNotStatic()
          .and()
          .areDeclaredInClassesThat(implementAPort())
          .should(notMention(AWS_SDK))
          .as(
              "an adapter's instance methods take and return domain types only: SDK clients are"
                  + " given to its constructor or factory, and SDK exceptions are translated");

  /** Classes implementing an interface of core outside the adapters: a port. */
  private static DescribedPredicate<JavaClass> implementAPort() {
    return DescribedPredicate.describe(
        "implement a port",
        type ->
            type.getAllRawInterfaces().stream()
                .anyMatch(
                    port ->
                        port.getPackageName().startsWith(CORE)
                            && !port.getPackageName().startsWith(CORE + "aws")));
  }

  /** Neither the parameters, the return type nor the declared exceptions are in {@code pkg}. */
  private static ArchCondition<JavaMethod> notMention(String pkg) {
    var sdk = JavaClass.Predicates.resideInAPackage(pkg);
    return new ArchCondition<>("mention no type of " + pkg) {
      @Override
      public void check(JavaMethod method, ConditionEvents events) {
        Stream.concat(
                Stream.concat(
                    method.getRawParameterTypes().stream(), Stream.of(method.getRawReturnType())),
                method.getExceptionTypes().stream())
            .filter(sdk)
            .forEach(
                type ->
                    events.add(
                        SimpleConditionEvent.violated(
                            method, method.getFullName() + " mentions " + type.getName())));
      }
    };
  }

  /** The classes of {@code core.<name>} depend on the JDK, themselves and {@code allowed} only. */
  private static ArchRule layer(String name, String... allowed) {
    String[] packages =
        Stream.concat(Stream.of("java..", CORE + name + ".."), Stream.of(allowed))
            .toArray(String[]::new);
    return classes()
        .that()
        .resideInAPackage(CORE + name + "..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(packages);
  }
}
