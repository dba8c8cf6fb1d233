package dev.uplink.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every Lambda deployment package must be, as the build made it and as Lambda loads it: the
 * one template.yaml deploys, complete for the handlers the template names, without the libraries it
 * must leave out, within its size budget. Each module's {@code LambdaPackageIT} says which package,
 * handlers, exclusions and budget; Failsafe names the package after {@code package}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class LambdaPackageContract {

  /** template.yaml's CodeUri of the module's functions, relative to the repository. */
  protected abstract String codeUri();

  /** The handlers template.yaml deploys from {@link #codeUri()}. */
  protected abstract List<Class<?>> handlers();

  /**
   * What no library jar's name in the package may contain ({@code "netty-"}, {@code "websocket"}).
   */
  protected abstract List<String> leftOut();

  /** The most the zip may weigh. */
  protected abstract long budgetBytes();

  private Path template;
  private Path packaged;

  /** The unpacked package, in a class loader of its own over the JDK only. */
  protected LambdaPackage lambda;

  @BeforeAll
  void unpack(@TempDir Path unpacked) throws Exception {
    // Failsafe names the package, after package; a Surefire run picked by -Dtest has none.
    assumeTrue(System.getProperty("uplink.lambda.package") != null, "run by Failsafe");
    template = Path.of(System.getProperty("uplink.template"));
    packaged = Path.of(System.getProperty("uplink.lambda.package"));
    lambda = LambdaPackage.unpack(packaged, unpacked);
  }

  @AfterAll
  void close() throws Exception {
    if (lambda != null) {
      lambda.close();
    }
  }

  @Test
  void theTemplateDeploysThePackageThisBuildMade() throws Exception {
    Path repository = template.toAbsolutePath().normalize().getParent();
    assertThat(repository.resolve(codeUri())).isEqualTo(packaged.toAbsolutePath().normalize());
    assertThat(LambdaPackage.handlersDeployedFrom(template, codeUri()))
        .containsExactlyInAnyOrderElementsOf(handlers().stream().map(Class::getName).toList());
  }

  @Test
  void everyHandlerTheTemplateNamesLoadsFromThePackageAlone() throws Exception {
    for (String handler : LambdaPackage.handlersDeployedFrom(template, codeUri())) {
      Class<?> loaded = lambda.load(handler);
      assertThat(loaded.getClassLoader()).as(handler).isNotSameAs(getClass().getClassLoader());
      assertThat(lambda.unresolvedReferencesFrom(handler)).as(handler).isEmpty();
    }
  }

  @Test
  void thePackageUsesTheUrlConnectionClientAndLeavesOutWhatItMust() throws Exception {
    List<String> libraries = lambda.libraryNames();
    assertThat(libraries).isNotEmpty().anyMatch(jar -> jar.startsWith("url-connection-client-"));
    for (String part : leftOut()) {
      assertThat(libraries).as("libraries named *%s*", part).noneMatch(j -> j.contains(part));
    }
  }

  @Test
  void thePackageStaysWithinItsBudget() throws Exception {
    assertThat(Files.size(packaged)).as("bytes of %s", packaged).isLessThanOrEqualTo(budgetBytes());
  }

  @Test
  void everyLibraryIsStored_soTheZipDeflatesItWhole() throws Exception {
    try (var zip = new ZipFile(packaged.toFile())) {
      List<String> libraries =
          zip.stream()
              .map(ZipEntry::getName)
              .filter(name -> name.startsWith("lib/") && name.endsWith(".jar"))
              .toList();
      assertThat(libraries).isNotEmpty();
      for (String library : libraries) {
        try (var jar = new ZipInputStream(zip.getInputStream(zip.getEntry(library)))) {
          for (ZipEntry entry = jar.getNextEntry(); entry != null; entry = jar.getNextEntry()) {
            assertThat(entry.getMethod())
                .as("%s in %s", entry.getName(), library)
                .isEqualTo(ZipEntry.STORED);
          }
        }
        assertThat(zip.getEntry(library).getMethod()).as(library).isEqualTo(ZipEntry.DEFLATED);
      }
    }
  }
}
