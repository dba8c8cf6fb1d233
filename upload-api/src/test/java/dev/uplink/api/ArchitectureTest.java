package dev.uplink.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Where each kind of code of the upload API lives, as allow-lists: the upload use case (the
 * services, the intake) knows the domain only; HTTP lives in {@code api.http} and the Lambda
 * adapter that feeds it; the AWS SDK and the adapters only in the composition root ({@link
 * UploadServices}).
 */
@AnalyzeClasses(packages = "dev.uplink.api", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String[] HTTP = {
    "io.javalin..",
    "jakarta.servlet..",
    "org.eclipse.jetty..",
    "org.apache.commons.fileupload2..",
    "java.net.http.."
  };

  private static final String[] AWS = {"software.amazon..", "dev.uplink.core.aws.."};

  @ArchTest
  static final ArchRule the_upload_use_case_knows_the_domain_only =
      classes()
          .that()
          .resideInAPackage("dev.uplink.api")
          .and()
          .doNotBelongToAnyOf(UploadServices.class)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.api",
              "dev.uplink.core.domain..",
              "dev.uplink.core.logging..",
              "java.lang..",
              "java.util..",
              "java.time..",
              "java.io..",
              "java.security..",
              "java.net", // URI only: java.net.http is a subpackage, not matched
              "org.slf4j..")
          .as(
              "UploadService, DirectUploadService, TaskIntake and their exceptions depend on the"
                  + " domain's ports and plain Java only: no HTTP, no JSON, no SDK, no adapter");

  @ArchTest
  static final ArchRule http_lives_in_the_http_adapter =
      noClasses()
          .that()
          .resideOutsideOfPackages("dev.uplink.api.http..", "dev.uplink.api.lambda..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(HTTP)
          .as(
              "HTTP types only in api.http (and api.lambda, which feeds API Gateway's requests to"
                  + " the same application)");

  @ArchTest
  static final ArchRule the_sdk_lives_in_the_composition_root =
      noClasses()
          .that()
          .doNotBelongToAnyOf(UploadServices.class)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(AWS)
          .as(
              "the AWS SDK and the core/aws adapters only in UploadServices, the composition root"
                  + " the servers and the Lambda entry points build their services with");

  @ArchTest
  static final ArchRule the_http_adapter_knows_the_use_case_not_the_adapters =
      classes()
          .that()
          .resideInAPackage("dev.uplink.api.http..")
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.api..",
              "dev.uplink.core.domain..",
              "dev.uplink.core.operations..",
              "dev.uplink.core.health..",
              "dev.uplink.core.config..",
              "dev.uplink.core.logging..",
              "io.javalin..",
              "jakarta.servlet..",
              "org.eclipse.jetty..",
              "org.apache.commons.fileupload2..",
              "com.fasterxml.jackson..",
              "org.slf4j..",
              "kotlin..",
              "java..")
          .as(
              "api.http turns requests into calls of the use case and the operators' service, and"
                  + " their answers and exceptions into responses: no SDK, no adapter");
}
