package dev.uplink.infra;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * infra as allow-lists: the emulators live in {@link LocalAws} only (so the rest of the local stack
 * runs the same against any AWS endpoint), the template reader knows nothing of the pipeline, and
 * infra reaches the pipeline through the modules' wiring, not their insides.
 */
@AnalyzeClasses(packages = "dev.uplink.infra", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule the_emulators_only_in_local_aws =
      noClasses()
          .that()
          .doNotBelongToAnyOf(LocalAws.class)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "com.amazonaws.services.dynamodbv2..", "org.gaul.s3proxy..", "org.elasticmq..")
          .as("DynamoDB Local, S3Proxy and ElasticMQ are started in LocalAws only");

  @ArchTest
  static final ArchRule the_template_reader_knows_yaml_and_aws_requests_only =
      classes()
          .that()
          .resideInAPackage("dev.uplink.infra.template..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.infra.template..",
              "org.yaml.snakeyaml..",
              "software.amazon.awssdk..",
              "java..")
          .as(
              "the template reader turns template.yaml into AWS requests: SnakeYAML, the SDK's"
                  + " model and the JDK, nothing of the pipeline");

  @ArchTest
  static final ArchRule infra_uses_the_modules_through_their_wiring =
      classes()
          .that()
          .resideInAPackage("dev.uplink.infra..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.infra..",
              "dev.uplink.core.domain..",
              "dev.uplink.core.config..",
              "dev.uplink.core.aws..",
              "dev.uplink.core.health..",
              "dev.uplink.core.logging..",
              "dev.uplink.core.webhooks..",
              "dev.uplink.api",
              "dev.uplink.api.http",
              "dev.uplink.processor",
              "dev.uplink.processor.poller",
              "software.amazon..",
              "com.amazonaws.services.dynamodbv2..",
              "org.gaul.s3proxy..",
              "org.elasticmq..",
              "org.eclipse.jetty..",
              "io.micrometer..",
              "org.yaml.snakeyaml..",
              "org.slf4j..",
              "sun.misc..",
              "scala..",
              "java..")
          .as(
              "infra provisions AWS, runs the emulators and wires the API and the processor through"
                  + " their public entry points");
}
