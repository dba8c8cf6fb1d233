package dev.uplink.cli;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.testing.MotoServer;
import dev.uplink.infra.AwsProvisioner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;

/**
 * The services against moto_server, an AWS implementation of its own (not our emulators), its
 * bucket, queues and table made as {@code template.yaml} declares them ({@link AwsProvisioner}).
 * moto has no message moves, so a redrive goes by receive, send and delete.
 */
@DisplayName("uplink api and uplink processor as services on moto_server and a real incusd")
class ServicesOnMotoIT extends ServicesContract {

  @Override
  Aws startAws(Path dir) {
    MotoServer moto = MotoServer.require();
    String name = "it-" + UUID.randomUUID().toString().substring(0, 8);
    var environment = new HashMap<String, String>(QUEUE_SETTINGS);
    environment.put("AWS_REGION", MotoServer.REGION);
    environment.put("AWS_ACCESS_KEY_ID", "test");
    environment.put("AWS_SECRET_ACCESS_KEY", "test");
    environment.put("UPLINK_S3_ENDPOINT", moto.endpoint().toString());
    environment.put("UPLINK_SQS_ENDPOINT", moto.endpoint().toString());
    environment.put("UPLINK_DYNAMODB_ENDPOINT", moto.endpoint().toString());
    environment.put("UPLINK_BUCKET", name + "-uploads");
    environment.put("UPLINK_QUEUE", name + "-tasks");
    environment.put("UPLINK_DLQ", name + "-tasks-dlq");
    environment.put("UPLINK_TABLE", name + "-tasks");
    UplinkConfig config = UplinkConfig.fromEnvironment(environment);
    try (AwsClients clients = AwsClients.create(config.aws())) {
      new AwsProvisioner(clients).provision(config);
    } catch (RuntimeException e) {
      moto.close();
      throw e;
    }
    Map<String, String> provisioned = Map.copyOf(environment);
    return new Aws() {
      @Override
      public Map<String, String> environment() {
        return provisioned;
      }

      @Override
      public void close() {
        moto.close();
      }
    };
  }

  @Override
  String whyRedriveLoops() {
    return "this queue cannot move messages by itself";
  }
}
