package dev.uplink.infra.template;

import dev.uplink.infra.template.CloudFormationTemplate.Resource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The local stack's resources as {@code template.yaml} declares them: the task table (keys,
 * indexes, billing, time to live) and the queues' attributes (retention, redrive policy), so that
 * what runs locally and what deploys cannot drift apart.
 *
 * <p>Values a deployment computes from parameters come from the local settings instead: the work
 * queue's visibility timeout (deployed: looked up from the processor's timeout) and the redrive
 * policy's {@code maxReceiveCount} (the {@code MaxReceiveCount} parameter), whose template
 * expressions {@code DeploymentTemplateTest} pins.
 */
public final class TemplateResources {

  /** The logical ids the local stack reads. */
  static final String TABLE = "TaskTable";

  static final String WORK_QUEUE = "TaskQueue";
  static final String DEAD_LETTER_QUEUE = "DeadLetterQueue";
  static final String WEBHOOK_TABLE = "WebhookTable";
  static final String WEBHOOK_QUEUE = "WebhookDeliveryQueue";
  static final String WEBHOOK_DEAD_LETTER_QUEUE = "WebhookDeadLetterQueue";

  private final CloudFormationTemplate template;

  public TemplateResources(CloudFormationTemplate template) {
    this.template = Objects.requireNonNull(template, "template");
  }

  /** From the template packaged with the local stack. */
  public static TemplateResources packaged() {
    return new TemplateResources(CloudFormationTemplate.packaged());
  }

  /** The task table as the template declares it, under the name {@code tableName}. */
  public CreateTableRequest table(String tableName) {
    return tableOf(TABLE, tableName);
  }

  /** The webhook table as the template declares it, under the name {@code tableName}. */
  public CreateTableRequest webhookTable(String tableName) {
    return tableOf(WEBHOOK_TABLE, tableName);
  }

  /** The attribute the template enables time to live on in the webhook table. */
  public String webhookTimeToLiveAttribute() {
    return (String)
        template.resource(WEBHOOK_TABLE).require("TimeToLiveSpecification.AttributeName");
  }

  /** The webhook dead-letter queue's attributes. */
  public Map<QueueAttributeName, String> webhookDeadLetterQueueAttributes() {
    return retention(template.resource(WEBHOOK_DEAD_LETTER_QUEUE));
  }

  /**
   * The webhook delivery queue's attributes: the template's, with the redrive policy's {@code
   * maxReceiveCount} given (the deployment's attempts) and the dead-letter queue's ARN.
   */
  public Map<QueueAttributeName, String> webhookQueueAttributes(
      int maxReceiveCount, String deadLetterQueueArn) {
    Resource queue = template.resource(WEBHOOK_QUEUE);
    var attributes = new EnumMap<QueueAttributeName, String>(retention(queue));
    attributes.put(
        QueueAttributeName.VISIBILITY_TIMEOUT, queue.require("VisibilityTimeout").toString());
    attributes.put(
        QueueAttributeName.REDRIVE_POLICY,
        "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":%d}"
            .formatted(deadLetterQueueArn, maxReceiveCount));
    return attributes;
  }

  private CreateTableRequest tableOf(String resource, String tableName) {
    Resource table = template.resource(resource);
    var indexes = new ArrayList<GlobalSecondaryIndex>();
    for (Map<?, ?> index : maps(table.property("GlobalSecondaryIndexes").orElse(List.of()))) {
      indexes.add(
          GlobalSecondaryIndex.builder()
              .indexName(text(index, "IndexName"))
              .keySchema(keySchema(index.get("KeySchema")))
              .projection(projection((Map<?, ?>) index.get("Projection")))
              .build());
    }
    var definitions = new ArrayList<AttributeDefinition>();
    for (Map<?, ?> definition : maps(table.require("AttributeDefinitions"))) {
      definitions.add(
          AttributeDefinition.builder()
              .attributeName(text(definition, "AttributeName"))
              .attributeType(text(definition, "AttributeType"))
              .build());
    }
    var request =
        CreateTableRequest.builder()
            .tableName(tableName)
            .attributeDefinitions(definitions)
            .keySchema(keySchema(table.require("KeySchema")))
            .billingMode(BillingMode.fromValue((String) table.require("BillingMode")))
            .streamSpecification(streamSpecification(table));
    if (!indexes.isEmpty()) {
      request.globalSecondaryIndexes(indexes); // DynamoDB refuses an empty list
    }
    return request.build();
  }

  /** The table's change stream as the template declares it; disabled when it declares none. */
  private static StreamSpecification streamSpecification(Resource table) {
    return table
        .property("StreamSpecification.StreamViewType")
        .map(
            type ->
                StreamSpecification.builder()
                    .streamEnabled(true)
                    .streamViewType(String.valueOf(type))
                    .build())
        .orElse(StreamSpecification.builder().streamEnabled(false).build());
  }

  /** An index's projection: its type and, for {@code INCLUDE}, the attributes it carries. */
  private static Projection projection(Map<?, ?> declared) {
    var projection = Projection.builder().projectionType(text(declared, "ProjectionType"));
    Object attributes = declared.get("NonKeyAttributes");
    if (attributes instanceof List<?> names) {
      projection.nonKeyAttributes(names.stream().map(String::valueOf).toList());
    }
    return projection.build();
  }

  /** The attribute the template enables time to live on. */
  public String timeToLiveAttribute() {
    return (String) template.resource(TABLE).require("TimeToLiveSpecification.AttributeName");
  }

  /** The dead-letter queue's attributes SQS (and ElasticMQ) take at creation. */
  public Map<QueueAttributeName, String> deadLetterQueueAttributes() {
    return retention(template.resource(DEAD_LETTER_QUEUE));
  }

  /**
   * The work queue's attributes: the template's, with the visibility timeout and the redrive
   * policy's {@code maxReceiveCount} given, and the dead-letter queue's ARN as this stack has it.
   */
  public Map<QueueAttributeName, String> workQueueAttributes(
      long visibilityTimeoutSeconds, int maxReceiveCount, String deadLetterQueueArn) {
    Resource queue = template.resource(WORK_QUEUE);
    Object target = queue.require("RedrivePolicy.deadLetterTargetArn");
    if (!target.equals(Map.of("Fn::GetAtt", List.of(DEAD_LETTER_QUEUE, "Arn")))) {
      throw new IllegalStateException(
          "template.yaml: %s redrives to %s, not %s"
              .formatted(WORK_QUEUE, target, DEAD_LETTER_QUEUE));
    }
    var attributes = new EnumMap<QueueAttributeName, String>(retention(queue));
    attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeoutSeconds));
    attributes.put(
        QueueAttributeName.REDRIVE_POLICY,
        "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":%d}"
            .formatted(deadLetterQueueArn, maxReceiveCount));
    return attributes;
  }

  private static Map<QueueAttributeName, String> retention(Resource queue) {
    var attributes = new EnumMap<QueueAttributeName, String>(QueueAttributeName.class);
    queue
        .property("MessageRetentionPeriod")
        .ifPresent(
            seconds ->
                attributes.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, seconds.toString()));
    return attributes;
  }

  private static List<KeySchemaElement> keySchema(Object elements) {
    return maps(elements).stream()
        .map(
            element ->
                KeySchemaElement.builder()
                    .attributeName(text(element, "AttributeName"))
                    .keyType(text(element, "KeyType"))
                    .build())
        .toList();
  }

  private static List<Map<?, ?>> maps(Object list) {
    var maps = new ArrayList<Map<?, ?>>();
    for (Object item : (List<?>) list) {
      maps.add((Map<?, ?>) item);
    }
    return maps;
  }

  private static String text(Map<?, ?> map, String key) {
    Object value = map.get(key);
    if (!(value instanceof String text)) {
      throw new IllegalStateException("template.yaml: expected a string " + key + " in " + map);
    }
    return text;
  }
}
