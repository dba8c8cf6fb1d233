package dev.uplink.api.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.DependencyFailedException;
import dev.uplink.api.DirectUploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.logging.InvocationLogContext;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes presigned uploads when S3 announces their objects: S3 sends {@code ObjectCreated}
 * notifications for {@code uploads/} to an SQS queue, and this handler (with {@code
 * ReportBatchItemFailures}) calls {@link DirectUploadService#completeObject} for each key. The same
 * completion as {@code POST /v1/uploads/{id}/complete}: whichever comes second is a no-op.
 *
 * <p>A message that cannot be a notification (S3's {@code s3:TestEvent}, malformed JSON) is logged
 * and dropped: retrying cannot fix it. A dependency failure reports the message as failed, so SQS
 * delivers it again (and after the queue's maximum receives moves it to its dead-letter queue); so
 * does any unexpected failure, for that message alone.
 */
public final class ObjectCreatedHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectCreatedHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DirectUploadService uploads;

  /** For the Lambda runtime: the service on AWS as the environment configures it. */
  public ObjectCreatedHandler() {
    this(FromEnvironment.UPLOADS);
  }

  public ObjectCreatedHandler(DirectUploadService uploads) {
    this.uploads = Objects.requireNonNull(uploads, "uploads");
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    try (var invocation =
        InvocationLogContext.of(context == null ? null : context.getAwsRequestId())) {
      return handle(event);
    }
  }

  private SQSBatchResponse handle(SQSEvent event) {
    var failures = new ArrayList<SQSBatchResponse.BatchItemFailure>();
    if (event == null || event.getRecords() == null) {
      LOG.warn("An event without records; nothing to do");
      return new SQSBatchResponse(failures);
    }
    for (SQSEvent.SQSMessage message : event.getRecords()) {
      try {
        for (String key : objectKeys(message.getBody())) {
          uploads.completeObject(key);
        }
      } catch (DependencyFailedException e) {
        LOG.warn(
            "Message {}: {}; SQS will deliver it again", message.getMessageId(), e.getMessage());
        failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
      } catch (RuntimeException e) {
        // Unexpected: fail this message alone (thrown, it would fail the whole batch); after the
        // queue's maximum receives it rests in the dead-letter queue for a person to look at.
        LOG.error("Message {} failed; SQS will deliver it again", message.getMessageId(), e);
        failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
      }
    }
    return new SQSBatchResponse(failures);
  }

  /**
   * The object keys an S3 event notification names, URL-decoded as S3 encodes them; none for a test
   * event or a body that is not a notification.
   */
  static List<String> objectKeys(String body) {
    JsonNode notification;
    try {
      notification = JSON.readTree(body == null ? "" : body);
    } catch (IOException e) {
      LOG.warn("Dropping a message that is not JSON");
      return List.of();
    }
    if (notification == null || !notification.path("Records").isArray()) {
      if (!"s3:TestEvent"
          .equals(notification == null ? null : notification.path("Event").asText())) {
        LOG.warn("Dropping a message that is not an S3 event notification");
      }
      return List.of();
    }
    var keys = new ArrayList<String>();
    for (JsonNode record : notification.path("Records")) {
      String name = record.path("eventName").asText();
      String key = record.path("s3").path("object").path("key").asText(null);
      if (name.startsWith("ObjectCreated:") && key != null) {
        decoded(key).ifPresent(keys::add);
      }
    }
    return keys;
  }

  /** S3 encodes keys as a form does ({@code +} for a space, {@code %XX}); empty if malformed. */
  private static Optional<String> decoded(String key) {
    try {
      return Optional.of(URLDecoder.decode(key, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      LOG.warn("Dropping an object key that is not URL-encoded: {}", key);
      return Optional.empty();
    }
  }

  /** The container's service, built on first use from the environment. */
  private static final class FromEnvironment {
    static final DirectUploadService UPLOADS =
        UploadServices.directUploadsOnAws(UplinkConfig.fromEnvironment());
  }
}
