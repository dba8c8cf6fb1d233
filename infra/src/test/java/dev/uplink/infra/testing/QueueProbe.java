package dev.uplink.infra.testing;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** What a queue holds, read through the SQS API. */
public final class QueueProbe {

  private QueueProbe() {}

  /**
   * Every message the queue holds: visible, in flight (received, not yet deleted) and delayed.
   * Exact on ElasticMQ; approximate only on real SQS.
   */
  public static long messages(SqsClient sqs, String queueUrl) {
    return sqs
        .getQueueAttributes(
            r ->
                r.queueUrl(queueUrl)
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
        .attributes()
        .values()
        .stream()
        .mapToLong(Long::parseLong)
        .sum();
  }
}
