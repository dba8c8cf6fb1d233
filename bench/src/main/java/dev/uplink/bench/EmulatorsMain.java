package dev.uplink.bench;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.AwsProvisioner;
import dev.uplink.infra.LocalAws;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Child process: S3Proxy (filesystem store, so big objects never sit in a heap), ElasticMQ and
 * DynamoDB Local, provisioned from template.yaml with the default resource names. Prints {@code
 * BENCH-READY s3=URL sqs=URL dynamodb=URL}; SIGTERM stops them and deletes the objects.
 *
 * <p>Argument: the data directory.
 */
public final class EmulatorsMain {

  private EmulatorsMain() {}

  public static void main(String[] args) throws InterruptedException {
    Path dataDir = Path.of(args[0]);
    UplinkConfig config = UplinkConfig.fromEnvironment(Map.of());
    LocalAws aws = LocalAws.start(dataDir, false);
    AwsClients clients = aws.clients(config.aws());
    new AwsProvisioner(clients).provision(config);
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  clients.close();
                  aws.close();
                  stopped.countDown();
                }));
    System.out.printf(
        "BENCH-READY s3=%s sqs=%s dynamodb=%s%n",
        aws.s3Endpoint(), aws.sqsEndpoint(), aws.dynamoDbEndpoint());
    System.out.flush();
    stopped.await();
  }
}
