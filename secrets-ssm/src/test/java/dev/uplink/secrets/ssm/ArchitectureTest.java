package dev.uplink.secrets.ssm;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The SSM store is an adapter of core's {@code SecretStore} port and nothing more: core's
 * configuration and secret clients, the SDK's SSM client, the JDK.
 */
@AnalyzeClasses(
    packages = "dev.uplink.secrets",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule the_store_uses_core_the_ssm_client_and_the_jdk_alone =
      classes()
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              "java..",
              "dev.uplink.secrets.ssm..",
              "dev.uplink.core.config..",
              "dev.uplink.core.aws..",
              "software.amazon.awssdk.services.ssm..",
              "software.amazon.awssdk.core..",
              "software.amazon.awssdk.utils..")
          .as("the SSM store depends on core's port and secret clients and on the SSM client only");
}
