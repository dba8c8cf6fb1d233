package dev.uplink.processor.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.testing.LambdaPackageContract;
import dev.uplink.processor.poller.PollerMain;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The processor and reconciler functions' deployment package: without the poller's Micrometer or
 * the SDK's unused HTTP clients.
 */
class LambdaPackageIT extends LambdaPackageContract {

  @Override
  protected String codeUri() {
    return "processor-lambda/target/uplink-processor-lambda.zip";
  }

  @Override
  protected List<Class<?>> handlers() {
    return List.of(ProcessorHandler.class, ReconcilerHandler.class);
  }

  @Override
  protected List<String> leftOut() {
    return List.of("micrometer-", "prometheus-", "apache", "httpclient", "netty-", "ssm-");
  }

  /**
   * The goal: 15 MB (32.3 MB before the first cut, 22.4 MB before the libraries were stored
   * and the SSM client left for its layer).
   */
  @Override
  protected long budgetBytes() {
    return 15_000_000;
  }

  @Test
  void theContainerPollerCannotRunFromIt_soTheCheckSeesWhatAnEntryPointLacks() throws Exception {
    assertThat(lambda.unresolvedReferencesFrom(PollerMain.class.getName()))
        .anyMatch(reference -> reference.startsWith("io.micrometer."));
  }
}
