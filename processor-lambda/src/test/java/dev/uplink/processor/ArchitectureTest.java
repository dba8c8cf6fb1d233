package dev.uplink.processor;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Where each technology may be used in the processor, as allow-lists: the AWS SDK in the Lambda
 * entry points, the composition root and one adapter package ({@code aws}); the worker's core
 * (package {@code dev.uplink.processor} itself) on the JDK, SLF4J and core's domain only; the
 * targets ({@code incus}, {@code local}) apart from AWS and from each other.
 */
@AnalyzeClasses(
    packages = "dev.uplink.processor",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String[] AWS_SDK = {"software.amazon..", "com.amazonaws.."};

  /** Builds everything from the configuration: knows the concrete adapters, by design. */
  private static final String COMPOSITION_ROOT = "dev.uplink.processor.ProcessorWiring";

  @ArchTest
  static final ArchRule the_aws_sdk_is_used_by_the_aws_adapters_and_the_entry_points_only =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.uplink.processor.aws..", "dev.uplink.processor.lambda..")
          .and()
          .doNotHaveFullyQualifiedName(COMPOSITION_ROOT)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(AWS_SDK)
          .as(
              "the AWS SDK is used in dev.uplink.processor.aws, the Lambda entry points and"
                  + " ProcessorWiring only");

  @ArchTest
  static final ArchRule core_s_aws_adapters_are_built_by_the_composition_root_only =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.uplink.processor.aws..", "dev.uplink.processor.lambda..")
          .and()
          .doNotHaveFullyQualifiedName(COMPOSITION_ROOT)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.uplink.core.aws..")
          .as("core's AWS adapters are wired by ProcessorWiring; the rest takes ports");

  @ArchTest
  static final ArchRule the_worker_s_core_knows_the_jdk_slf4j_and_the_domain_only =
      classes()
          .that()
          .resideInAPackage("dev.uplink.processor")
          .and()
          .doNotHaveFullyQualifiedName(COMPOSITION_ROOT)
          .and()
          .doNotHaveSimpleName("MeterPushMetrics")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "java.lang..",
              "java.util..",
              "java.time..",
              "java.io..",
              "java.security..",
              "java.nio..",
              "org.slf4j..",
              "dev.uplink.core.domain..",
              "dev.uplink.core.logging..",
              "dev.uplink.core.config..",
              // The queue message's codec: the Lambda and the poller hand the body over as SQS
              // gave it, and the worker reads the task id out of it (Jackson stays behind it).
              "dev.uplink.core.json..",
              "dev.uplink.processor")
          .as(
              "the worker's core (PushWorker, RetryPolicy, FailureClassifier, ...) imports no AWS"
                  + " SDK, no Jackson, no HTTP and none of the adapters (MeterPushMetrics is"
                  + " Micrometer's adapter, ProcessorWiring the composition root; core.json is the"
                  + " message codec)");

  @ArchTest
  static final ArchRule the_incus_target_knows_no_aws =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.processor.incus..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "software.amazon..",
              "com.amazonaws..",
              "dev.uplink.core.aws..",
              "dev.uplink.processor.aws..",
              "dev.uplink.processor.local..",
              "dev.uplink.processor.poller..",
              "dev.uplink.processor.lambda..")
          .as("the Incus target knows neither AWS nor the other target nor the consumers");

  @ArchTest
  static final ArchRule the_local_target_knows_neither_incus_nor_aws =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.processor.local..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.processor.incus..",
              "software.amazon..",
              "com.amazonaws..",
              "dev.uplink.core.aws..",
              "dev.uplink.processor.aws..",
              "com.fasterxml..")
          .as("the local directory target knows neither Incus nor AWS");

  @ArchTest
  static final ArchRule the_aws_adapters_know_no_target =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.processor.aws..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.processor.incus..",
              "dev.uplink.processor.local..",
              "dev.uplink.processor.poller..",
              "dev.uplink.processor.lambda..")
          .as("the AWS adapters know no push target and no consumer");
}
