package dev.uplink.core.aws;

import dev.uplink.core.domain.webhooks.DeliveryAttempt;
import dev.uplink.core.domain.webhooks.WebhookEndpoint;
import dev.uplink.core.domain.webhooks.WebhookRegistry;
import dev.uplink.core.domain.webhooks.WebhookSecret;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Webhook endpoints and delivery attempts in their own DynamoDB table (key {@code pk}, {@code sk};
 * time to live on {@code expiresAt}), apart from the task table so that neither its change stream
 * nor its indexes ever see them.
 *
 * <ul>
 *   <li>An endpoint: {@code pk = owner#<owner>}, {@code sk = endpoint#<id>}: an owner's endpoints
 *       are one query, and no read reaches another owner's.
 *   <li>An attempt: {@code pk = attempts#<owner>#<endpoint id>}, {@code sk =} the attempt's time in
 *       epoch milliseconds (13 digits) and the event id: newest first is one query. Kept {@link
 *       #ATTEMPTS_KEPT}.
 * </ul>
 *
 * <p>The secret is stored as is (a receiver's HMAC needs it), in this table only, which DynamoDB
 * encrypts at rest and which only the API and the deliverer may read; it is never logged and
 * returned once, at registration.
 */
public final class DynamoDbWebhookRegistry implements WebhookRegistry {

  /** How long delivery attempts are kept. */
  public static final Duration ATTEMPTS_KEPT = Duration.ofDays(3);

  static final String PK = "pk";
  static final String SK = "sk";
  static final String TTL = "expiresAt";

  private final DynamoDbClient dynamoDb;
  private final String table;
  private final String dependency;

  public DynamoDbWebhookRegistry(DynamoDbClient dynamoDb, String table) {
    this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
    this.table = Objects.requireNonNull(table, "table");
    this.dependency = "DynamoDB table " + table;
  }

  @Override
  public void register(WebhookEndpoint endpoint) {
    var item = new HashMap<String, AttributeValue>();
    item.put(PK, s("owner#" + endpoint.owner()));
    item.put(SK, s("endpoint#" + endpoint.id()));
    item.put("id", s(endpoint.id()));
    item.put("owner", s(endpoint.owner()));
    item.put("url", s(endpoint.url().toString()));
    item.put(
        "eventTypes",
        AttributeValue.fromL(
            endpoint.eventTypes().stream().sorted().map(DynamoDbWebhookRegistry::s).toList()));
    item.put("secret", s(endpoint.secret().value()));
    item.put("createdAt", s(endpoint.createdAt().toString()));
    AwsErrors.translated(
        dependency,
        () ->
            dynamoDb.putItem(
                r ->
                    r.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)")));
  }

  @Override
  public List<WebhookEndpoint> endpointsOf(String owner) {
    return query("owner#" + owner, "endpoint#", true, Integer.MAX_VALUE).stream()
        .map(DynamoDbWebhookRegistry::endpoint)
        .sorted(Comparator.comparing(WebhookEndpoint::createdAt))
        .toList();
  }

  @Override
  public Optional<WebhookEndpoint> find(String owner, String id) {
    Map<String, AttributeValue> item =
        AwsErrors.translated(
            dependency,
            () ->
                dynamoDb
                    .getItem(
                        r ->
                            r.tableName(table)
                                .key(Map.of(PK, s("owner#" + owner), SK, s("endpoint#" + id)))
                                .consistentRead(true))
                    .item());
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(endpoint(item));
  }

  @Override
  public boolean delete(String owner, String id) {
    Map<String, AttributeValue> old =
        AwsErrors.translated(
            dependency,
            () ->
                dynamoDb
                    .deleteItem(
                        r ->
                            r.tableName(table)
                                .key(Map.of(PK, s("owner#" + owner), SK, s("endpoint#" + id)))
                                .returnValues(ReturnValue.ALL_OLD))
                    .attributes());
    return old != null && !old.isEmpty();
  }

  @Override
  public void record(String owner, String endpointId, DeliveryAttempt attempt) {
    var item = new HashMap<String, AttributeValue>();
    item.put(PK, s(attemptsKey(owner, endpointId)));
    item.put(
        SK,
        s(
            "attempt#%013d#%s#%d"
                .formatted(attempt.at().toEpochMilli(), attempt.eventId(), attempt.attempt())));
    item.put("eventId", s(attempt.eventId()));
    item.put("eventType", s(attempt.eventType()));
    item.put("attempt", n(attempt.attempt()));
    item.put("at", s(attempt.at().toString()));
    attempt.statusCode().ifPresent(code -> item.put("statusCode", n(code)));
    attempt.error().ifPresent(error -> item.put("error", s(error)));
    item.put("durationMs", n(attempt.duration().toMillis()));
    item.put("delivered", AttributeValue.fromBool(attempt.delivered()));
    item.put(TTL, n(attempt.at().plus(ATTEMPTS_KEPT).getEpochSecond()));
    AwsErrors.translated(dependency, () -> dynamoDb.putItem(r -> r.tableName(table).item(item)));
  }

  @Override
  public List<DeliveryAttempt> attempts(String owner, String endpointId, int limit) {
    return query(attemptsKey(owner, endpointId), "attempt#", false, limit).stream()
        .map(DynamoDbWebhookRegistry::attempt)
        .toList();
  }

  private static String attemptsKey(String owner, String endpointId) {
    return "attempts#" + owner + "#" + endpointId;
  }

  private List<Map<String, AttributeValue>> query(
      String pk, String skPrefix, boolean forward, int limit) {
    var items = new ArrayList<Map<String, AttributeValue>>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      var page =
          AwsErrors.translated(
              dependency,
              () ->
                  dynamoDb.query(
                      r ->
                          r.tableName(table)
                              .keyConditionExpression("pk = :pk AND begins_with(sk, :prefix)")
                              .expressionAttributeValues(
                                  Map.of(":pk", s(pk), ":prefix", s(skPrefix)))
                              .scanIndexForward(forward)
                              .limit(Math.min(limit - items.size(), 1000))
                              .exclusiveStartKey(from)));
      items.addAll(page.items());
      start =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (start != null && items.size() < limit);
    return items;
  }

  private static WebhookEndpoint endpoint(Map<String, AttributeValue> item) {
    return new WebhookEndpoint(
        item.get("id").s(),
        item.get("owner").s(),
        URI.create(item.get("url").s()),
        item.get("eventTypes").l().stream()
            .map(AttributeValue::s)
            .collect(java.util.stream.Collectors.toSet()),
        new WebhookSecret(item.get("secret").s()),
        Instant.parse(item.get("createdAt").s()));
  }

  private static DeliveryAttempt attempt(Map<String, AttributeValue> item) {
    return new DeliveryAttempt(
        item.get("eventId").s(),
        item.get("eventType").s(),
        Integer.parseInt(item.get("attempt").n()),
        Instant.parse(item.get("at").s()),
        item.containsKey("statusCode")
            ? OptionalInt.of(Integer.parseInt(item.get("statusCode").n()))
            : OptionalInt.empty(),
        Optional.ofNullable(item.get("error")).map(AttributeValue::s),
        Duration.ofMillis(Long.parseLong(item.get("durationMs").n())),
        Boolean.TRUE.equals(item.get("delivered").bool()));
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }
}
