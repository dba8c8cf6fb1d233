package dev.uplink.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.uplink.api", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule the_upload_use_case_knows_no_http =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.api")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.uplink.api.http..",
              "io.javalin..",
              "jakarta.servlet..",
              "org.eclipse.jetty..",
              "org.apache.commons.fileupload2..",
              "java.net.http..")
          .as("UploadService and its exceptions are plain Java: no HTTP types");

  @ArchTest
  static final ArchRule the_api_uses_ports_not_adapters =
      noClasses()
          .that()
          .resideInAPackage("dev.uplink.api..")
          .and()
          .doNotBelongToAnyOf(UploadServices.class)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.uplink.core.aws..", "software.amazon..")
          .as(
              "the upload API codes against the domain ports, never the AWS adapters"
                  + " (UploadServices, the composition root, is the one place that names them)");
}
