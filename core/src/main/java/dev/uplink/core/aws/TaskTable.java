package dev.uplink.core.aws;

import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The schema of the task table {@link DynamoDbTaskStore} works on: its attribute names, its key
 * ({@code id}, a string) and its three indexes. Provisioning creates exactly {@link
 * #definition(String)}, so the store and the table cannot drift apart.
 *
 * <h2>Attributes beyond the task's fields</h2>
 *
 * <ul>
 *   <li>{@code leaseUntil}: only while PROCESSING; removed by every change out of PROCESSING.
 *   <li>{@code openStatus}: a copy of {@code status} while the task is {@linkplain
 *       dev.uplink.core.domain.TaskStatus#isOpen() open}, removed once it is terminal. It is the
 *       partition key of the sparse index {@value #OPEN_TASKS_INDEX} (sort key {@code updatedAt}),
 *       so the index holds only the few open tasks, never the millions of finished ones. It is also
 *       the partition key of the sparse index {@value #UPLOAD_DEADLINES_INDEX} (sort key {@code
 *       uploadExpiresAt}, which only presigned uploads have): the tasks awaiting their upload by
 *       deadline, each with only what a sweep needs to choose ({@code owner}, {@code objectKey},
 *       {@code multipartUploadId}).
 *   <li>{@code expiresAt}: epoch seconds, the table's TTL attribute ({@value #TTL_ATTRIBUTE}): set
 *       to finish time + retention when a task reaches a terminal status; DynamoDB deletes the item
 *       some time after that.
 * </ul>
 *
 * Every task item carries {@code owner}, the partition key of the index {@value #OWNER_INDEX} (sort
 * key {@code id}: task ids are ULIDs, so id order is creation order).
 */
public final class TaskTable {

  /** The sparse index of open tasks: partition {@code openStatus}, sort {@code updatedAt}. */
  public static final String OPEN_TASKS_INDEX = "openStatus-updatedAt";

  /**
   * The sparse index of open presigned uploads: partition {@code openStatus}, sort {@code
   * uploadExpiresAt}.
   */
  public static final String UPLOAD_DEADLINES_INDEX = "openStatus-uploadExpiresAt";

  /** The index of every task by owner: partition {@code owner}, sort {@code id}. */
  public static final String OWNER_INDEX = "owner-id";

  /** The attribute DynamoDB's time to live reads: epoch seconds. */
  public static final String TTL_ATTRIBUTE = "expiresAt";

  static final String ID = "id";
  static final String OWNER = "owner";
  static final String REMOTE = "remote";
  static final String PROJECT = "project";
  static final String INSTANCE = "instance";
  static final String PATH = "path";
  static final String MODE = "mode";
  static final String UID = "uid";
  static final String GID = "gid";
  static final String OBJECT_KEY = "objectKey";
  static final String SIZE = "size";
  static final String SHA256 = "sha256";
  static final String STATUS = "status";
  static final String OPEN_STATUS = "openStatus";
  static final String ATTEMPTS = "attempts";
  static final String ERROR_CODE = "errorCode";
  static final String ERROR_MESSAGE = "errorMessage";
  static final String LEASE_UNTIL = "leaseUntil";
  static final String EXPIRES_AT = TTL_ATTRIBUTE;
  static final String CREATED_AT = "createdAt";
  static final String UPDATED_AT = "updatedAt";
  static final String MULTIPART_UPLOAD_ID = "multipartUploadId";
  static final String PART_SIZE = "partSize";
  static final String UPLOAD_EXPIRES_AT = "uploadExpiresAt";
  static final String BYTES_PUSHED = "bytesPushed";
  static final String IDEMPOTENCY_KEY = "idempotencyKey";
  static final String SEAL = "seal";

  private TaskTable() {}

  /**
   * The table the store expects: partition key {@code id} (string), the sparse index {@value
   * #OPEN_TASKS_INDEX} and the index {@value #OWNER_INDEX} (all attributes projected into both),
   * the sparse index {@value #UPLOAD_DEADLINES_INDEX} (a few attributes), on-demand capacity. Time
   * to live on {@value #TTL_ATTRIBUTE} is enabled separately (DynamoDB has no CreateTable option
   * for it).
   */
  public static CreateTableRequest definition(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .attributeDefinitions(
            stringAttribute(ID),
            stringAttribute(OPEN_STATUS),
            stringAttribute(UPDATED_AT),
            stringAttribute(OWNER),
            stringAttribute(UPLOAD_EXPIRES_AT))
        .keySchema(key(ID, KeyType.HASH))
        .globalSecondaryIndexes(openTasksIndex(), ownerIndex(), uploadDeadlinesIndex())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .build();
  }

  /**
   * Every task by owner, newest (highest id) last. Every task item has always carried {@code
   * owner}, so adding this index to an older table loses no task: DynamoDB fills it from the items
   * already there.
   */
  public static GlobalSecondaryIndex ownerIndex() {
    return GlobalSecondaryIndex.builder()
        .indexName(OWNER_INDEX)
        .keySchema(key(OWNER, KeyType.HASH), key(ID, KeyType.RANGE))
        .projection(p -> p.projectionType(ProjectionType.ALL))
        .build();
  }

  /**
   * Open presigned uploads by deadline, with what a sweep needs to choose which to look at. Every
   * presigned upload's item has always carried {@code openStatus} and {@code uploadExpiresAt}, so
   * adding this index to an older table loses none: DynamoDB fills it from the items already there.
   */
  public static GlobalSecondaryIndex uploadDeadlinesIndex() {
    return GlobalSecondaryIndex.builder()
        .indexName(UPLOAD_DEADLINES_INDEX)
        .keySchema(key(OPEN_STATUS, KeyType.HASH), key(UPLOAD_EXPIRES_AT, KeyType.RANGE))
        .projection(
            p ->
                p.projectionType(ProjectionType.INCLUDE)
                    .nonKeyAttributes(OWNER, OBJECT_KEY, MULTIPART_UPLOAD_ID))
        .build();
  }

  /** Open tasks by status and last change, for the sweep of stale tasks. */
  public static GlobalSecondaryIndex openTasksIndex() {
    return GlobalSecondaryIndex.builder()
        .indexName(OPEN_TASKS_INDEX)
        .keySchema(key(OPEN_STATUS, KeyType.HASH), key(UPDATED_AT, KeyType.RANGE))
        .projection(p -> p.projectionType(ProjectionType.ALL))
        .build();
  }

  private static AttributeDefinition stringAttribute(String name) {
    return AttributeDefinition.builder()
        .attributeName(name)
        .attributeType(ScalarAttributeType.S)
        .build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }
}
