package dev.uplink.core.health;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a process answers at {@code /healthz} or {@code /readyz}: status, media type, extra headers
 * and the JSON document (ordered maps, for the server's own JSON encoder). The upload API and the
 * container-mode poller both render these, so a probe or a dashboard sees one format wherever it
 * asks. Failures are RFC 9457 problems in the shape of every other error of the API.
 *
 * @param status the HTTP status
 * @param mediaType the {@code Content-Type}
 * @param headers further response headers, e.g. {@code Retry-After}
 * @param body the JSON document, members in order
 */
public record ProbeAnswer(
    int status, String mediaType, Map<String, String> headers, Map<String, Object> body) {

  public static final String JSON = "application/json";
  public static final String PROBLEM_JSON = "application/problem+json";

  /** The {@code type} of a failed readiness answer (the API's problem types share this base). */
  public static final String NOT_READY_TYPE = "https://uplink.dev/problems/not-ready";

  /** Seconds a client should wait before asking again after a 503. */
  public static final int RETRY_AFTER_SECONDS = 5;

  public ProbeAnswer {
    Objects.requireNonNull(mediaType, "mediaType");
    headers = Map.copyOf(headers);
    body = Collections.unmodifiableMap(new LinkedHashMap<>(body));
  }

  /** {@code /healthz} of a process that does its work: 200 {@code {"status":"up"}}. */
  public static ProbeAnswer up() {
    return new ProbeAnswer(200, JSON, Map.of(), Map.of("status", "up"));
  }

  /**
   * {@code /healthz} of a process that no longer does its work (a poller that stopped receiving):
   * 503, so an orchestrator restarts it.
   */
  public static ProbeAnswer down(String why) {
    return problem(503, "Service Unavailable", why);
  }

  /**
   * {@code /readyz}: 200 {@code {"status":"ready","checks":{…}}}, or 503 {@code not-ready} problem
   * naming each failed check and why, with every check's outcome in {@code checks}.
   */
  public static ProbeAnswer readiness(ReadinessReport report) {
    if (report.ready()) {
      var body = new LinkedHashMap<String, Object>();
      body.put("status", "ready");
      body.put("checks", report.checks());
      return new ProbeAnswer(200, JSON, Map.of(), body);
    }
    var body = new LinkedHashMap<String, Object>();
    body.put("type", NOT_READY_TYPE);
    body.put("title", "Not ready");
    body.put("status", 503);
    body.put("detail", report.failureSummary());
    body.put("checks", report.checks());
    return new ProbeAnswer(
        503, PROBLEM_JSON, Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)), body);
  }

  /**
   * This answer for a caller who may not see which dependency failed, or why (exception texts name
   * hosts and endpoints): the checks removed and, when not ready, {@code detail} replaced by {@code
   * where} (where an operator finds the reasons).
   */
  public ProbeAnswer withoutDetails(String where) {
    Map<String, Object> redacted = new LinkedHashMap<>(body);
    redacted.remove("checks");
    if (status != 200) {
      redacted.put("detail", "Not ready: a dependency does not answer. " + where);
    }
    return new ProbeAnswer(status, mediaType, headers, redacted);
  }

  /**
   * A problem of type {@code about:blank} (the status says it all): what the API answers for an
   * unknown path (404) or method (405), and a stopped process.
   */
  public static ProbeAnswer problem(int status, String title, String detail) {
    var body = new LinkedHashMap<String, Object>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    return new ProbeAnswer(status, PROBLEM_JSON, Map.of(), body);
  }
}
