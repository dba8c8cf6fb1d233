package dev.uplink.infra.contract;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.infra.testing.LocalAwsExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The AWS contract on the in-process emulators the local stack runs (ElasticMQ, DynamoDB Local,
 * S3Proxy).
 */
class InProcessAwsContractTest extends AwsContract {

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(VISIBILITY, MAX_RECEIVE_COUNT);

  @Override
  protected AwsClients clients() {
    return aws.clients();
  }
}
