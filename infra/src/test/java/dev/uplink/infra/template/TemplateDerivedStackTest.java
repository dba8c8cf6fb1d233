package dev.uplink.infra.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stack is built from {@code template.yaml}: what the emulators hold, read back through
 * the SDK, is what the template declares, and the template declares what the task store needs.
 */
class TemplateDerivedStackTest {

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(7), 3);

  private final TemplateResources template = TemplateResources.packaged();

  @Test
  void theTemplatesTableIsTheOneTheTaskStoreExpects() {
    CreateTableRequest declared = template.table("t");
    CreateTableRequest expected = DynamoDbTaskStore.tableDefinition("t");

    assertThat(new HashSet<>(declared.attributeDefinitions()))
        .isEqualTo(new HashSet<>(expected.attributeDefinitions()));
    assertThat(declared.keySchema()).isEqualTo(expected.keySchema());
    assertThat(new HashSet<>(declared.globalSecondaryIndexes()))
        .isEqualTo(new HashSet<>(expected.globalSecondaryIndexes()));
    assertThat(declared.billingMode()).isEqualTo(expected.billingMode());
    assertThat(template.timeToLiveAttribute()).isEqualTo(DynamoDbTaskStore.TTL_ATTRIBUTE);
  }

  @Test
  void theProvisionedTableHasTheTemplatesKeysIndexesAndTimeToLive() {
    var dynamoDb = aws.clients().dynamoDb();
    TableDescription table =
        dynamoDb.describeTable(r -> r.tableName(aws.settings().table())).table();
    CreateTableRequest declared = template.table(aws.settings().table());

    assertThat(table.keySchema()).isEqualTo(declared.keySchema());
    assertThat(new HashSet<>(table.attributeDefinitions()))
        .isEqualTo(new HashSet<>(declared.attributeDefinitions()));
    assertThat(
            table.globalSecondaryIndexes().stream()
                .collect(
                    Collectors.toMap(
                        GlobalSecondaryIndexDescription::indexName,
                        index -> List.of(index.keySchema(), index.projection()))))
        .isEqualTo(
            declared.globalSecondaryIndexes().stream()
                .collect(
                    Collectors.toMap(
                        index -> index.indexName(),
                        index -> List.of(index.keySchema(), index.projection()))));
    assertThat(
            dynamoDb
                .describeTimeToLive(r -> r.tableName(aws.settings().table()))
                .timeToLiveDescription()
                .attributeName())
        .isEqualTo(template.timeToLiveAttribute());
  }

  @Test
  void theProvisionedQueuesHaveTheTemplatesRetentionAndRedrive() {
    var sqs = aws.clients().sqs();
    Map<QueueAttributeName, String> dlq =
        sqs.getQueueAttributes(
                r ->
                    r.queueUrl(aws.resources().deadLetterQueueUrl())
                        .attributeNames(QueueAttributeName.ALL))
            .attributes();
    Map<QueueAttributeName, String> queue =
        sqs.getQueueAttributes(
                r -> r.queueUrl(aws.resources().queueUrl()).attributeNames(QueueAttributeName.ALL))
            .attributes();

    // ElasticMQ takes MessageRetentionPeriod at creation but neither keeps nor reports it (it keeps
    // messages until deleted), so only the request is checked here; the queue is real.
    assertThat(dlq).containsKey(QueueAttributeName.QUEUE_ARN);
    assertThat(template.deadLetterQueueAttributes())
        .containsEntry(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600");
    assertThat(queue)
        .containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "7")
        .containsEntry(
            QueueAttributeName.REDRIVE_POLICY,
            "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":3}"
                .formatted(aws.resources().deadLetterQueueArn()));
  }
}
