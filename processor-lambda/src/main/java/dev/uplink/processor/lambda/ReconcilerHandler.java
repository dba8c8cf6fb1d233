package dev.uplink.processor.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.logging.InvocationLogContext;
import dev.uplink.processor.ProcessorWiring;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled Lambda (an EventBridge schedule in {@code template.yaml}): one reconciliation pass,
 * re-publishing tasks left PENDING (or PROCESSING under an expired lease) longer than {@code
 * UPLINK_RECONCILE_AFTER}. The event's content is ignored. Needs the table and the work queue, not
 * Incus.
 */
public final class ReconcilerHandler
    implements RequestHandler<Map<String, Object>, Map<String, Integer>> {

  private static final Logger log = LoggerFactory.getLogger(ReconcilerHandler.class);

  private final IntSupplier runOnce;

  /** Wires the reconciler from the environment, once per Lambda instance. */
  public ReconcilerHandler() {
    this(fromEnvironment());
  }

  public ReconcilerHandler(IntSupplier runOnce) {
    this.runOnce = Objects.requireNonNull(runOnce, "runOnce");
  }

  private static IntSupplier fromEnvironment() {
    UplinkConfig config = UplinkConfig.fromEnvironment();
    var reconciler = ProcessorWiring.reconciler(config, AwsClients.create(config.aws()));
    return reconciler::runOnce;
  }

  /** Returns {@code {"republished": N}}. */
  @Override
  public Map<String, Integer> handleRequest(Map<String, Object> event, Context context) {
    try (var invocation = InvocationLogContext.of(requestIdOf(context))) {
      int republished = runOnce.getAsInt();
      log.info("Reconciler re-published {} task(s)", republished);
      return Map.of("republished", republished);
    }
  }

  private static String requestIdOf(Context context) {
    return context == null ? null : context.getAwsRequestId();
  }
}
