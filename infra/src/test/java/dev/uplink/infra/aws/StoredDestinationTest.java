package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A task whose stored destination the API would refuse today (a mode with a special bit, written by
 * an older API or rewritten in the table; a name longer than Linux takes) still loads: its owner
 * can list it and an operator can inspect it. Refusing to push it is the processor's business
 * ({@code TaskGuard}), not a reason for the listing to fail.
 */
class StoredDestinationTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final String LONG_NAME = "n".repeat(300);

  @Test
  void givenAStoredModeWithASpecialBitAndAnOverlongName_whenLoaded_thenTheTaskIsReadAsStored() {
    var store =
        new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table(), Duration.ofDays(1));
    String owner = "owner-" + TaskId.newId().value().toLowerCase();
    UploadTask task =
        UploadTask.pending(
            TaskId.newId(),
            owner,
            new Destination("web-1", "/srv/a.bin", 0640, 0, 0),
            "uploads/" + TaskId.newId(),
            1,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            Instant.now());
    store.create(task);
    aws.clients()
        .dynamoDb()
        .updateItem(
            r ->
                r.tableName(aws.settings().table())
                    .key(Map.of("id", AttributeValue.fromS(task.id().value())))
                    .updateExpression("SET #mode = :mode, #path = :path")
                    .expressionAttributeNames(Map.of("#mode", "mode", "#path", "path"))
                    .expressionAttributeValues(
                        Map.of(
                            ":mode", AttributeValue.fromN(Integer.toString(04755)),
                            ":path", AttributeValue.fromS("/srv/" + LONG_NAME))));

    Destination loaded = store.find(task.id()).orElseThrow().destination();

    assertThat(loaded.mode()).isEqualTo(04755);
    assertThat(loaded.path()).isEqualTo("/srv/" + LONG_NAME);
    assertThat(store.list(owner, TaskQuery.newest(10)).tasks())
        .extracting(UploadTask::id)
        .containsExactly(task.id());
  }
}
