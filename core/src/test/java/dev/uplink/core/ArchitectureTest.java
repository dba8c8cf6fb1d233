package dev.uplink.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.uplink", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule the_domain_knows_no_aws_sdk_and_no_http =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.core.domain..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "software.amazon..",
              "com.amazonaws..",
              "java.net.http..",
              "io.javalin..",
              "jakarta.servlet..",
              "org.eclipse.jetty..")
          .as("core's domain imports nothing from the AWS SDK or the HTTP layer");

  @ArchTest
  static final ArchRule the_domain_does_not_depend_on_adapters =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.core.domain..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.uplink.core.aws..", "dev.uplink.core.config..")
          .as("the domain depends on no adapter or configuration code");

  @ArchTest
  static final ArchRule the_operations_use_ports_only =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.core.operations..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.core.aws..",
              "dev.uplink.core.config..",
              "software.amazon..",
              "java.net.http..",
              "io.javalin..")
          .as("the operators' use cases know the domain and their own port, never an adapter");
}
