package dev.uplink.infra;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.config.WebhookSettings;
import dev.uplink.infra.template.TemplateResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates the bucket, the dead-letter queue, the work queue (redriving to the DLQ) and the task
 * table (with its indexes and time to live) that {@link AwsSettings} names, each as {@code
 * template.yaml} declares it ({@link TemplateResources}). Idempotent: existing resources are kept,
 * the work queue's attributes are brought to the requested values, an index DynamoDB can fill from
 * the items already there is added to an older table, and a table whose key or open-tasks index
 * differs from what {@link DynamoDbTaskStore} expects is reported, never replaced.
 *
 * <p>For the local stack and tests; production resources come from the same template, deployed.
 */
public final class AwsProvisioner {

  private static final Logger log = LoggerFactory.getLogger(AwsProvisioner.class);

  /**
   * Indexes added after tables were first made, whose keys every item that belongs in them has
   * always carried: added to an older table, DynamoDB fills them from the items already there.
   */
  private static final Set<String> BACKFILLED_INDEXES =
      Set.of(DynamoDbTaskStore.OWNER_INDEX, DynamoDbTaskStore.UPLOAD_DEADLINES_INDEX);

  private final AwsClients clients;
  private final AwsSettings settings;
  private final TemplateResources template;

  /** Provisions what the packaged {@code template.yaml} declares. */
  public AwsProvisioner(AwsClients clients) {
    this(clients, TemplateResources.packaged());
  }

  public AwsProvisioner(AwsClients clients, TemplateResources template) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.settings = clients.settings();
    this.template = Objects.requireNonNull(template, "template");
  }

  /**
   * What provisioning produced.
   *
   * @param queueUrl the work queue
   * @param deadLetterQueueUrl the dead-letter queue
   * @param deadLetterQueueArn the dead-letter queue's ARN, as the work queue's RedrivePolicy names
   *     it
   */
  public record Resources(String queueUrl, String deadLetterQueueUrl, String deadLetterQueueArn) {}

  /** Provisions everything with the queue settings of {@code config}. */
  public Resources provision(UplinkConfig config) {
    return provision(config.visibilityTimeout(), config.maxReceiveCount());
  }

  /**
   * Provisions everything: bucket, queues, table (waiting until the table is ACTIVE).
   *
   * @param visibilityTimeout the work queue's visibility timeout (whole seconds, 0 to 12 h)
   * @param maxReceiveCount receives before SQS moves a message to the dead-letter queue
   */
  public Resources provision(Duration visibilityTimeout, int maxReceiveCount) {
    long started = System.nanoTime();
    bucket();
    Resources resources = queues(visibilityTimeout, maxReceiveCount);
    table();
    log.info(
        "Provisioned bucket {}, queue {} (DLQ {}) and table {} in {} ms",
        settings.bucket(),
        settings.queue(),
        settings.deadLetterQueue(),
        settings.table(),
        (System.nanoTime() - started) / 1_000_000);
    return resources;
  }

  /** Creates the bucket unless it exists. */
  public void bucket() {
    var s3 = clients.s3();
    try {
      s3.headBucket(r -> r.bucket(settings.bucket()));
      return;
    } catch (NoSuchBucketException e) {
      // created below
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
    }
    try {
      s3.createBucket(
          r -> {
            r.bucket(settings.bucket());
            // us-east-1 is the one region that must not be named as a location constraint.
            if (!"us-east-1".equals(settings.region())) {
              r.createBucketConfiguration(c -> c.locationConstraint(settings.region()));
            }
          });
    } catch (BucketAlreadyOwnedByYouException e) {
      // created concurrently: fine
    }
  }

  /**
   * Creates the dead-letter queue and the work queue unless they exist, and (re)sets the work
   * queue's visibility timeout and RedrivePolicy.
   */
  public Resources queues(Duration visibilityTimeout, int maxReceiveCount) {
    long timeoutSeconds = visibilityTimeout.toSeconds();
    if (timeoutSeconds < 0 || timeoutSeconds > 43_200) {
      throw new IllegalArgumentException(
          "visibilityTimeout must be 0 to 12 hours, got " + visibilityTimeout);
    }
    if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new IllegalArgumentException(
          "maxReceiveCount must be 1 to 1000, got " + maxReceiveCount);
    }
    var sqs = clients.sqs();
    String dlqUrl = queueUrl(settings.deadLetterQueue(), template.deadLetterQueueAttributes());
    String dlqArn =
        sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    if (dlqArn == null) {
      throw new IllegalStateException("SQS returned no QueueArn for " + dlqUrl);
    }
    String queueUrl = queueUrl(settings.queue(), Map.of());
    sqs.setQueueAttributes(
        r ->
            r.queueUrl(queueUrl)
                .attributes(template.workQueueAttributes(timeoutSeconds, maxReceiveCount, dlqArn)));
    return new Resources(queueUrl, dlqUrl, dlqArn);
  }

  /**
   * Creates the webhook table, the delivery queue and its dead-letter queue unless they exist (as
   * the template declares them), and sets the delivery queue's RedrivePolicy to {@code webhooks}'
   * attempts.
   */
  public void webhooks(WebhookSettings webhooks) {
    var sqs = clients.sqs();
    String dlqUrl =
        queueUrl(webhooks.deadLetterQueue(), template.webhookDeadLetterQueueAttributes());
    String dlqArn =
        sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String url = queueUrl(webhooks.queue(), Map.of());
    sqs.setQueueAttributes(
        r ->
            r.queueUrl(url)
                .attributes(template.webhookQueueAttributes(webhooks.maxAttempts(), dlqArn)));
    webhookTable(webhooks.table());
  }

  private void webhookTable(String name) {
    var dynamoDb = clients.dynamoDb();
    try {
      dynamoDb.describeTable(r -> r.tableName(name));
    } catch (ResourceNotFoundException e) {
      try {
        dynamoDb.createTable(template.webhookTable(name));
      } catch (ResourceInUseException raced) {
        // created concurrently: wait for it below
      }
    }
    try (var waiter = dynamoDb.waiter()) {
      waiter
          .waitUntilTableExists(
              r -> r.tableName(name),
              w ->
                  w.waitTimeout(Duration.ofMinutes(5))
                      .backoffStrategyV2(BackoffStrategy.fixedDelay(Duration.ofMillis(200))))
          .matched()
          .exception()
          .ifPresent(
              e -> {
                throw new IllegalStateException("Table " + name + " did not become ACTIVE", e);
              });
    }
    TimeToLiveDescription ttl =
        dynamoDb.describeTimeToLive(r -> r.tableName(name)).timeToLiveDescription();
    if (ttl == null
        || (ttl.timeToLiveStatus() != TimeToLiveStatus.ENABLED
            && ttl.timeToLiveStatus() != TimeToLiveStatus.ENABLING)) {
      String attribute = template.webhookTimeToLiveAttribute();
      dynamoDb.updateTimeToLive(
          r ->
              r.tableName(name)
                  .timeToLiveSpecification(t -> t.attributeName(attribute).enabled(true)));
    }
  }

  /**
   * The queue's URL, creating the queue when it does not exist: a FIFO queue when its name ends in
   * {@code .fifo} (SQS's rule), so a FIFO work queue and its FIFO dead-letter queue are just names.
   */
  private String queueUrl(String name, Map<QueueAttributeName, String> declared) {
    var sqs = clients.sqs();
    var attributes = new HashMap<QueueAttributeName, String>(declared);
    if (name.endsWith(".fifo")) {
      attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
    }
    try {
      return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
    } catch (QueueDoesNotExistException e) {
      try {
        return sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
      } catch (QueueNameExistsException raced) {
        return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
      }
    }
  }

  /**
   * Creates the task table unless it exists (adding the indexes {@value
   * DynamoDbTaskStore#OWNER_INDEX} and {@value DynamoDbTaskStore#UPLOAD_DEADLINES_INDEX} to one
   * made before them), waits until it and its indexes are ACTIVE, and enables time to live on
   * {@value DynamoDbTaskStore#TTL_ATTRIBUTE}.
   *
   * @throws IllegalStateException if a table of that name exists with another key, or without the
   *     index {@value DynamoDbTaskStore#OPEN_TASKS_INDEX} (a table made by an older Uplink: its
   *     open tasks lack the index's key attribute, so adding the index would not find them; delete
   *     the table, for the local stack its data directory)
   */
  public void table() {
    var dynamoDb = clients.dynamoDb();
    CreateTableRequest expected = template.table(settings.table());
    try {
      TableDescription actual = dynamoDb.describeTable(r -> r.tableName(settings.table())).table();
      for (GlobalSecondaryIndex index : requireSameShape(expected, actual)) {
        addIndex(expected, index);
        awaitIndexes(); // DynamoDB creates one index at a time
      }
      enableStream(expected, actual);
    } catch (ResourceNotFoundException e) {
      try {
        dynamoDb.createTable(expected);
      } catch (ResourceInUseException raced) {
        // created concurrently: wait for it below
      }
    }
    try (var waiter = dynamoDb.waiter()) {
      waiter
          .waitUntilTableExists(
              r -> r.tableName(settings.table()),
              w ->
                  w.waitTimeout(Duration.ofMinutes(5))
                      .backoffStrategyV2(BackoffStrategy.fixedDelay(Duration.ofMillis(500))))
          .matched()
          .exception()
          .ifPresent(
              e -> {
                throw new IllegalStateException(
                    "Table " + settings.table() + " did not become ACTIVE", e);
              });
    }
    awaitIndexes();
    timeToLive();
  }

  /**
   * Adds {@code index} to the existing table. DynamoDB fills it from the items already there
   * (backfill) and queries fail until it is ACTIVE, which {@link #awaitIndexes} waits for.
   */
  private void addIndex(CreateTableRequest expected, GlobalSecondaryIndex index) {
    var keyAttributes = index.keySchema().stream().map(KeySchemaElement::attributeName).toList();
    List<AttributeDefinition> definitions =
        expected.attributeDefinitions().stream()
            .filter(definition -> keyAttributes.contains(definition.attributeName()))
            .toList();
    log.info("Adding index {} to table {}", index.indexName(), settings.table());
    try {
      clients
          .dynamoDb()
          .updateTable(
              r ->
                  r.tableName(settings.table())
                      .attributeDefinitions(definitions)
                      .globalSecondaryIndexUpdates(
                          u ->
                              u.create(
                                  c ->
                                      c.indexName(index.indexName())
                                          .keySchema(index.keySchema())
                                          .projection(index.projection()))));
    } catch (ResourceInUseException raced) {
      // Another provisioner is changing the table right now: awaitIndexes waits for it.
    }
  }

  /**
   * Turns on the change stream of a table made before task events existed. A table whose stream
   * shows other images than the template's is refused: events need both.
   */
  private void enableStream(CreateTableRequest expected, TableDescription actual) {
    StreamSpecification wanted = expected.streamSpecification();
    if (wanted == null || !Boolean.TRUE.equals(wanted.streamEnabled())) {
      return;
    }
    StreamSpecification current = actual.streamSpecification();
    if (current != null && Boolean.TRUE.equals(current.streamEnabled())) {
      if (current.streamViewType() != wanted.streamViewType()) {
        throw new IllegalStateException(
            "Table %s has a stream of %s, but task events need %s: change it or use another table"
                .formatted(actual.tableName(), current.streamViewType(), wanted.streamViewType()));
      }
      return;
    }
    log.info("Turning on the change stream of table {}", settings.table());
    clients.dynamoDb().updateTable(r -> r.tableName(settings.table()).streamSpecification(wanted));
  }

  /** Waits until every index of the table is ACTIVE (an index being added is CREATING). */
  private void awaitIndexes() {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (true) {
      List<String> pending = new ArrayList<>();
      for (GlobalSecondaryIndexDescription index :
          clients
              .dynamoDb()
              .describeTable(r -> r.tableName(settings.table()))
              .table()
              .globalSecondaryIndexes()) {
        if (index.indexStatus() != IndexStatus.ACTIVE) {
          pending.add(index.indexName() + " " + index.indexStatusAsString());
        }
      }
      if (pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Indexes of table " + settings.table() + " did not become ACTIVE: " + pending);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "Interrupted waiting for the indexes of table " + settings.table(), e);
      }
    }
  }

  /**
   * Enables time to live on {@value DynamoDbTaskStore#TTL_ATTRIBUTE} unless it already is (DynamoDB
   * refuses to enable it twice, and refuses any change while one is in progress).
   *
   * @throws IllegalStateException if time to live is enabled on another attribute
   */
  public void timeToLive() {
    var dynamoDb = clients.dynamoDb();
    String attribute = template.timeToLiveAttribute();
    TimeToLiveDescription current =
        dynamoDb.describeTimeToLive(r -> r.tableName(settings.table())).timeToLiveDescription();
    TimeToLiveStatus status =
        current == null || current.timeToLiveStatus() == null
            ? TimeToLiveStatus.DISABLED
            : current.timeToLiveStatus();
    if (status == TimeToLiveStatus.ENABLED || status == TimeToLiveStatus.ENABLING) {
      if (!attribute.equals(current.attributeName())) {
        throw new IllegalStateException(
            "Table %s has time to live on %s but the task store needs it on %s"
                .formatted(settings.table(), current.attributeName(), attribute));
      }
      return;
    }
    if (status == TimeToLiveStatus.DISABLING) {
      throw new IllegalStateException(
          "Table %s is disabling time to live; DynamoDB accepts no change until that ends (up to"
                  .formatted(settings.table())
              + " an hour): provision again later");
    }
    dynamoDb.updateTimeToLive(
        r ->
            r.tableName(settings.table())
                .timeToLiveSpecification(s -> s.attributeName(attribute).enabled(true)));
  }

  /**
   * Checks the existing table's key and indexes against {@code expected}.
   *
   * @return the indexes missing that may be added: {@value DynamoDbTaskStore#OWNER_INDEX}, whose
   *     key attributes every task item has always carried
   */
  private static List<GlobalSecondaryIndex> requireSameShape(
      CreateTableRequest expected, TableDescription actual) {
    var expectedKey = new HashSet<>(expected.keySchema());
    var actualKey = new HashSet<>(actual.keySchema());
    if (!expectedKey.equals(actualKey)) {
      throw new IllegalStateException(
          "Table %s exists with key %s but the task store needs %s: delete it or use another name"
              .formatted(actual.tableName(), actual.keySchema(), expected.keySchema()));
    }
    var missing = new ArrayList<GlobalSecondaryIndex>();
    for (GlobalSecondaryIndex index : expected.globalSecondaryIndexes()) {
      boolean named =
          actual.globalSecondaryIndexes().stream()
              .anyMatch(existing -> existing.indexName().equals(index.indexName()));
      boolean present =
          actual.globalSecondaryIndexes().stream()
              .anyMatch(
                  existing ->
                      existing.indexName().equals(index.indexName())
                          && new HashSet<>(existing.keySchema())
                              .equals(new HashSet<>(index.keySchema())));
      if (!named && BACKFILLED_INDEXES.contains(index.indexName())) {
        missing.add(index);
      } else if (!present) {
        throw new IllegalStateException(
            ("Table %s has no index %s with key %s (an older Uplink made it): delete the table"
                    + " (local stack: stop it and delete UPLINK_DATA_DIR/dynamodb, by default"
                    + " uplink-data/dynamodb) or use another UPLINK_TABLE")
                .formatted(actual.tableName(), index.indexName(), index.keySchema()));
      }
    }
    return missing;
  }
}
