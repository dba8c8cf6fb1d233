package dev.uplink.api.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.uplink.api.DirectUploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.logging.InvocationLogContext;
import java.util.Map;
import java.util.Objects;

/**
 * Runs {@link DirectUploadService#sweep} on a schedule (an EventBridge rule in {@code
 * template.yaml}): fails presigned uploads not completed within their window, aborting their parts,
 * and completes any whose object-created event was lost.
 */
public final class UploadSweepHandler implements RequestHandler<Map<String, Object>, Integer> {

  /**
   * Objects a run may look at for a completion (besides every upload past its window, which each
   * run settles), owners taking turns; the next run goes on where this one stopped.
   */
  static final int COMPLETION_CHECKS = 500;

  private final DirectUploadService uploads;

  public UploadSweepHandler() {
    this(UploadServices.directUploadsOnAws(UplinkConfig.fromEnvironment()));
  }

  public UploadSweepHandler(DirectUploadService uploads) {
    this.uploads = Objects.requireNonNull(uploads, "uploads");
  }

  /** Returns how many tasks changed. */
  @Override
  public Integer handleRequest(Map<String, Object> scheduledEvent, Context context) {
    try (var invocation = InvocationLogContext.of(requestIdOf(context))) {
      return uploads.sweep(COMPLETION_CHECKS);
    }
  }

  private static String requestIdOf(Context context) {
    return context == null ? null : context.getAwsRequestId();
  }
}
