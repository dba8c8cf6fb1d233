package dev.uplink.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Where the CLI meets AWS, as allow-lists: the operators' commands reach the queues and the table
 * through one adapter ({@link OperatorConnection}, which builds the core/aws adapters, and {@link
 * AwsFailures}, which reads the SDK's exceptions); every other command talks to the API over HTTP.
 */
@AnalyzeClasses(packages = "dev.uplink.cli", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule the_sdk_only_in_the_operator_connection =
      noClasses()
          .that()
          .doNotBelongToAnyOf(AwsFailures.class)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("software.amazon..")
          .as("the AWS SDK only in AwsFailures, the operator connection's reading of its errors");

  @ArchTest
  static final ArchRule the_aws_adapters_only_in_the_operator_connection =
      noClasses()
          .that()
          .doNotBelongToAnyOf(OperatorConnection.class)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.uplink.core.aws..")
          .as("the core/aws adapters are built in OperatorConnection only");

  @ArchTest
  static final ArchRule the_cli_depends_on_the_domain_and_its_own_libraries =
      classes()
          .that()
          .resideInAPackage("dev.uplink.cli..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.cli..",
              "dev.uplink.core.domain..",
              "dev.uplink.core.operations..",
              "dev.uplink.core.config..",
              "dev.uplink.core.aws..",
              "dev.uplink.infra",
              "dev.uplink.api.http",
              "dev.uplink.processor.poller",
              "io.micrometer..",
              "sun.misc",
              "software.amazon..",
              "picocli..",
              "com.fasterxml.jackson..",
              "ch.qos.logback..",
              "org.slf4j..",
              "java..")
          .as(
              "the CLI is picocli commands over the API (java.net.http, Jackson), the operators'"
                  + " service, the local stack (infra's UplinkLocal) and the two services (the"
                  + " API's ApiServer with its process meters, the processor's PollerMain), which"
                  + " stop on a signal: nothing else");
}
