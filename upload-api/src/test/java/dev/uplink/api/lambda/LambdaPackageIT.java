package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.uplink.core.testing.LambdaPackage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API functions' deployment package, as the build made it and as Lambda loads it: the one
 * template.yaml deploys, complete for its handlers, without the SDK's unused HTTP clients or
 * Javalin's websocket server.
 */
class LambdaPackageIT {

  /** template.yaml's CodeUri of the functions this module serves, relative to the repository. */
  private static final String CODE_URI = "upload-api/target/uplink-api-lambda.zip";

  /**
   * 27.6 MB when set, from 35.3 MB; the goal is 20 MB: what stands between is the SSM
   * client (5.9 MB, for SecureString secrets) and Javalin's Kotlin standard library (1.8 MB).
   */
  private static final long BUDGET_BYTES = 29_000_000;

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
            ApiGatewayHandler.class.getName(),
            ObjectCreatedHandler.class.getName(),
            UploadSweepHandler.class.getName());
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
  void thePackageLeavesOutTheUnusedHttpClientsAndWebsockets() throws Exception {
    List<String> libraries = lambda.libraryNames();
    assertThat(libraries).isNotEmpty().anyMatch(jar -> jar.startsWith("url-connection-client-"));
    assertThat(libraries)
        .noneMatch(jar -> jar.contains("websocket"))
        .noneMatch(jar -> jar.startsWith("asm-"))
        .noneMatch(jar -> jar.startsWith("apache"))
        .noneMatch(jar -> jar.startsWith("httpclient"))
        .noneMatch(jar -> jar.startsWith("netty-"));
  }

  @Test
  void thePackageStaysWithinItsBudget() throws Exception {
    assertThat(Files.size(packaged)).isLessThanOrEqualTo(BUDGET_BYTES);
  }
}
