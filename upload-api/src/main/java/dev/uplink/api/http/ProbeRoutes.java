package dev.uplink.api.http;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.health.MetricsFormat;
import dev.uplink.core.health.ProbeAnswer;
import io.javalin.http.Context;
import java.util.List;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics}: for load balancers, orchestrators and
 * scrapers, so they need no API key. They reveal no task and no secret: whether the process runs,
 * whether it is ready, and aggregate counters. Which dependency failed, and why (exception texts
 * that may name hosts and endpoints), only an operator key sees. The answers are core's {@link
 * ProbeAnswer}s, which the container-mode poller serves too.
 */
final class ProbeRoutes {

  static final String HEALTH = "/healthz";
  static final String READY = "/readyz";
  static final String METRICS = "/metrics";

  /** The paths that need no API key. */
  static final List<String> PUBLIC = List.of(HEALTH, READY, METRICS);

  private final Probes probes;
  private final ApiKeyAuthenticator authenticator;

  ProbeRoutes(Probes probes, ApiKeyAuthenticator authenticator) {
    this.probes = probes;
    this.authenticator = authenticator;
  }

  /** The process runs and answers. */
  void health(Context ctx) {
    respond(ctx, ProbeAnswer.up());
  }

  /**
   * Every check at once, each bounded by the timeout: 200, or 503 not-ready. With an operator key,
   * every check's outcome and the failures' reasons; without one, only whether it is ready.
   */
  void ready(Context ctx) {
    ProbeAnswer answer = ProbeAnswer.readiness(probes.readiness().check());
    boolean operator =
        authenticator.callerOf(ctx.header("Authorization")).map(Caller::operator).orElse(false);
    respond(
        ctx,
        operator
            ? answer
            : answer.withoutDetails("An operator key (UPLINK_OPERATOR_KEYS) shows which, and why"));
  }

  /** The meters in Prometheus text, or OpenMetrics if asked; 404 where this process keeps none. */
  void metrics(Context ctx) {
    var source =
        probes
            .metrics()
            .orElseThrow(() -> ProblemException.notFound("This process keeps no metrics"));
    MetricsFormat format = MetricsFormat.forAccept(ctx.header("Accept"));
    ctx.contentType(format.contentType()).result(source.scrape(format.contentType()));
  }

  private static void respond(Context ctx, ProbeAnswer answer) {
    ctx.status(answer.status());
    answer.headers().forEach(ctx::header);
    ctx.contentType(answer.mediaType()).result(Json.bytes(answer.body()));
  }
}
