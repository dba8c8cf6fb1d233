package dev.uplink.processor.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.uplink.core.testing.LambdaPackage;
import dev.uplink.processor.poller.PollerMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor and reconciler functions' deployment package, as the build made it and as Lambda
 * loads it: the one template.yaml deploys, complete for its handlers, without the poller's
 * Micrometer or the SDK's unused HTTP clients.
 */
class LambdaPackageIT {

  /** template.yaml's CodeUri of the functions this module serves, relative to the repository. */
  private static final String CODE_URI = "processor-lambda/target/uplink-processor-lambda.zip";

  /**
   * 22.4 MB when set, from 32.3 MB; the goal is 15 MB: what stands between is the SSM
   * client (5.9 MB, for SecureString secrets) and S3's and DynamoDB's SDK modules (7.3 MB).
   */
  private static final long BUDGET_BYTES = 23_500_000;

  private static Path template;
  private static Path packaged;

  @TempDir static Path unpacked;
  private static LambdaPackage lambda;

  @BeforeAll
  static void unpack() throws Exception {
    // Failsafe names the package, after package; a Surefire run picked by -Dtest has none.
    assumeTrue(System.getProperty("uplink.lambda.package") != null, "run by Failsafe");
    template = Path.of(System.getProperty("uplink.template"));
    packaged = Path.of(System.getProperty("uplink.lambda.package"));
    lambda = LambdaPackage.unpack(packaged, unpacked);
  }

  @AfterAll
  static void close() throws Exception {
    if (lambda != null) {
      lambda.close();
    }
  }

  @Test
  void theTemplateDeploysThePackageThisBuildMade() throws Exception {
    Path repository = template.toAbsolutePath().normalize().getParent();
    assertThat(repository.resolve(CODE_URI)).isEqualTo(packaged.toAbsolutePath().normalize());
    assertThat(LambdaPackage.handlersDeployedFrom(template, CODE_URI))
        .containsExactlyInAnyOrder(
            ProcessorHandler.class.getName(), ReconcilerHandler.class.getName());
  }

  @Test
  void everyHandlerTheTemplateNamesLoadsFromThePackageAlone() throws Exception {
    for (String handler : LambdaPackage.handlersDeployedFrom(template, CODE_URI)) {
      Class<?> loaded = lambda.load(handler);
      assertThat(loaded.getClassLoader()).as(handler).isNotSameAs(getClass().getClassLoader());
      assertThat(lambda.unresolvedReferencesFrom(handler)).as(handler).isEmpty();
    }
  }

  @Test
  void theContainerPollerCannotRunFromIt_soTheCheckSeesWhatAnEntryPointLacks() throws Exception {
    assertThat(lambda.unresolvedReferencesFrom(PollerMain.class.getName()))
        .anyMatch(reference -> reference.startsWith("io.micrometer."));
  }

  @Test
  void thePackageLeavesOutThePollersMetricsAndTheUnusedHttpClients() throws Exception {
    List<String> libraries = lambda.libraryNames();
    assertThat(libraries).isNotEmpty().anyMatch(jar -> jar.startsWith("url-connection-client-"));
    assertThat(libraries)
        .noneMatch(jar -> jar.startsWith("micrometer-"))
        .noneMatch(jar -> jar.startsWith("prometheus-"))
        .noneMatch(jar -> jar.startsWith("apache"))
        .noneMatch(jar -> jar.startsWith("httpclient"))
        .noneMatch(jar -> jar.startsWith("netty-"));
  }

  @Test
  void thePackageStaysWithinItsBudget() throws Exception {
    assertThat(Files.size(packaged)).isLessThanOrEqualTo(BUDGET_BYTES);
  }
}
