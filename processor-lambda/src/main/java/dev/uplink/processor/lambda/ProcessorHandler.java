package dev.uplink.processor.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.uplink.core.logging.InvocationLogContext;
import dev.uplink.processor.AbortSignal;
import dev.uplink.processor.Delivery;
import dev.uplink.processor.Outcome;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.aws.SqsMessages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda entry point for the task queue's event source mapping, which must enable {@code
 * ReportBatchItemFailures}. The same {@link PushWorker} as the poller processes each record; the
 * response lists only the messages to keep, so one failure never fails its batch-mates (in the
 * spirit of Powertools' {@code SqsBatchMessageHandler}, which is not available here).
 *
 * <ul>
 *   <li>A kept message first gets its visibility from the {@link Outcome} ({@code
 *       ChangeMessageVisibility} on its receipt handle: the backoff, the rest of another worker's
 *       lease, or zero), then is reported failed, so Lambda leaves it in the queue.
 *   <li>FIFO: after the first kept message, the rest of the batch is reported failed unprocessed
 *       (with the same visibility), so no later message overtakes an earlier one.
 *   <li>Deadline: the push is aborted {@link #DEFAULT_SAFETY_MARGIN} before {@code
 *       getRemainingTimeInMillis()} runs out; the task goes back to PENDING (not counted as an
 *       error) and the message is reported failed, visible again at once. Records not started by
 *       then are reported failed untouched.
 * </ul>
 */
public final class ProcessorHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

  /** How long before the Lambda's end processing stops, to give the task and message back. */
  public static final Duration DEFAULT_SAFETY_MARGIN = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(ProcessorHandler.class);

  private final PushWorker worker;
  private final Function<String, SqsMessages> queues;
  private final Clock clock;
  private final Duration safetyMargin;

  /**
   * Wires everything from the environment, once per Lambda instance (cold start).
   *
   * @throws dev.uplink.core.config.ConfigException if a setting is missing or wrong, including no
   *     {@code UPLINK_INCUS_URL}: the Lambda has no local directory to fall back to
   */
  public ProcessorHandler() {
    this(ProcessorWiring.forLambda());
  }

  private ProcessorHandler(ProcessorWiring wiring) {
    this(wiring.worker(), wiring::queueFor, DEFAULT_SAFETY_MARGIN);
  }

  /**
   * Deadlines are measured on the worker's clock.
   *
   * @param queues the queue of a record, by its {@code eventSourceArn}
   * @param safetyMargin processing stops this long before the Lambda's time runs out
   */
  public ProcessorHandler(
      PushWorker worker, Function<String, SqsMessages> queues, Duration safetyMargin) {
    this.worker = Objects.requireNonNull(worker, "worker");
    this.queues = Objects.requireNonNull(queues, "queues");
    this.clock = worker.clock();
    this.safetyMargin = Objects.requireNonNull(safetyMargin, "safetyMargin");
  }

  /** Handles the batch, then flushes the invocation's metrics (one EMF line on stdout). */
  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    try (var invocation = InvocationLogContext.of(requestIdOf(context))) {
      return handleBatch(event, context);
    } finally {
      worker.metrics().flush();
    }
  }

  private SQSBatchResponse handleBatch(SQSEvent event, Context context) {
    List<SQSEvent.SQSMessage> records =
        event == null || event.getRecords() == null ? List.of() : event.getRecords();
    Optional<Instant> deadline =
        context == null
            ? Optional.empty()
            : Optional.of(
                clock.instant().plusMillis(context.getRemainingTimeInMillis()).minus(safetyMargin));
    List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
    Outcome keptBefore = null; // FIFO: the first kept message's outcome
    for (SQSEvent.SQSMessage record : records) {
      String messageId = record.getMessageId();
      SqsMessages queue = queue(record);
      if (keptBefore != null) {
        failures.add(new SQSBatchResponse.BatchItemFailure(messageId));
        changeVisibility(queue, record, keptBefore.visibility());
        continue;
      }
      if (deadline.isPresent() && !clock.instant().isBefore(deadline.get())) {
        log.info("Message {}: no time left to start it; left for another invocation", messageId);
        failures.add(new SQSBatchResponse.BatchItemFailure(messageId));
        changeVisibility(queue, record, Duration.ZERO);
        continue;
      }
      Outcome outcome = process(record, queue, deadline);
      log.debug("Message {}: {}", messageId, outcome);
      if (!outcome.deletesMessage()) {
        changeVisibility(queue, record, outcome.visibility());
        failures.add(new SQSBatchResponse.BatchItemFailure(messageId));
        if (isFifo(record)) {
          keptBefore = outcome;
        }
      }
    }
    return new SQSBatchResponse(failures);
  }

  private Outcome process(
      SQSEvent.SQSMessage record, SqsMessages queue, Optional<Instant> deadline) {
    Map<String, String> attributes =
        record.getAttributes() == null ? Map.of() : record.getAttributes();
    var delivery =
        new Delivery(
            Objects.toString(record.getMessageId(), ""),
            record.getBody(),
            Delivery.receiveCount(attributes.get("ApproximateReceiveCount")),
            Optional.ofNullable(attributes.get("MessageGroupId")));
    try {
      return worker.process(
          delivery,
          queue == null
              ? timeout -> {}
              : queue.visibility(record.getMessageId(), record.getReceiptHandle()),
          new AbortSignal(),
          deadline);
    } catch (RuntimeException e) {
      log.error("Message {}: unexpected failure", record.getMessageId(), e);
      return Outcome.retryAfter(Duration.ZERO);
    }
  }

  private SqsMessages queue(SQSEvent.SQSMessage record) {
    try {
      return queues.apply(record.getEventSourceArn());
    } catch (RuntimeException e) {
      log.warn(
          "No queue URL for {} (no heartbeats or visibility changes): {}",
          record.getEventSourceArn(),
          e.toString());
      return null;
    }
  }

  private static void changeVisibility(
      SqsMessages queue, SQSEvent.SQSMessage record, Duration visibility) {
    if (queue != null && record.getReceiptHandle() != null) {
      queue.changeVisibility(record.getMessageId(), record.getReceiptHandle(), visibility);
    }
  }

  private static boolean isFifo(SQSEvent.SQSMessage record) {
    String arn = record.getEventSourceArn();
    return arn != null && arn.endsWith(".fifo");
  }

  private static String requestIdOf(Context context) {
    return context == null ? null : context.getAwsRequestId();
  }
}
