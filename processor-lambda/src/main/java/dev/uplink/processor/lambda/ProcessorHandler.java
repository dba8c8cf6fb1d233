package dev.uplink.processor.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.uplink.processor.Outcome;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.PushWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda entry point for the task queue's event source mapping, which must enable {@code
 * ReportBatchItemFailures}: the response lists only the messages to keep ({@link Outcome#RETRY});
 * every other message of the batch is deleted by Lambda, so one failure never fails its
 * batch-mates.
 *
 * <p>On a FIFO queue, order matters: after the first failure, the rest of the batch is reported as
 * failed without being processed, so no later message overtakes an earlier one.
 */
public final class ProcessorHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

  private static final Logger log = LoggerFactory.getLogger(ProcessorHandler.class);

  private final PushWorker worker;

  /**
   * Wires everything from the environment, once per Lambda instance (cold start).
   *
   * @throws dev.uplink.core.config.ConfigException if a setting is missing or wrong, including no
   *     {@code UPLINK_INCUS_URL}: the Lambda has no local directory to fall back to
   */
  public ProcessorHandler() {
    this(ProcessorWiring.forLambda().worker());
  }

  public ProcessorHandler(PushWorker worker) {
    this.worker = Objects.requireNonNull(worker, "worker");
  }

  @Override
  public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
    List<SQSEvent.SQSMessage> records =
        event == null || event.getRecords() == null ? List.of() : event.getRecords();
    List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
    boolean keepRest = false;
    for (SQSEvent.SQSMessage record : records) {
      String messageId = record.getMessageId();
      if (keepRest) {
        failures.add(new SQSBatchResponse.BatchItemFailure(messageId));
        continue;
      }
      Outcome outcome;
      try {
        outcome = worker.process(record.getBody());
      } catch (RuntimeException e) {
        log.error("Message {}: unexpected failure", messageId, e);
        outcome = Outcome.RETRY;
      }
      log.debug("Message {}: {}", messageId, outcome);
      if (!outcome.deletesMessage()) {
        failures.add(new SQSBatchResponse.BatchItemFailure(messageId));
        keepRest = isFifo(record);
      }
    }
    return new SQSBatchResponse(failures);
  }

  private static boolean isFifo(SQSEvent.SQSMessage record) {
    String arn = record.getEventSourceArn();
    return arn != null && arn.endsWith(".fifo");
  }
}
