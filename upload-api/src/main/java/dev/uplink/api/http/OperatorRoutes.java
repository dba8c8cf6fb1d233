package dev.uplink.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.Outages;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.operations.DeadLetterNotFoundException;
import dev.uplink.core.operations.InvalidOperatorRequestException;
import dev.uplink.core.operations.OperatorService;
import dev.uplink.core.operations.RedriveInProgressException;
import dev.uplink.core.operations.RedriveRequest;
import dev.uplink.core.operations.RetryRefusedException;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' endpoints: the dead-letter queue ({@code GET /v1/dlq}, {@code GET /v1/dlq/{id}},
 * {@code POST /v1/dlq/redrive}) and {@code POST /v1/uploads/{id}/retry}. Only a caller with an
 * operator key ({@code UPLINK_OPERATOR_KEYS}) gets past {@link #guard}; the work is {@link
 * OperatorService}'s, which the command line runs too.
 */
final class OperatorRoutes {

  static final String DLQ = "/v1/dlq";

  private static final Logger LOG = LoggerFactory.getLogger(OperatorRoutes.class);

  private final Optional<OperatorService> operators;
  private final Outages outages;

  /**
   * @param outages which failures of the queues and the table mean they are down (503); any other
   *     failure is a bug (500)
   */
  OperatorRoutes(Optional<OperatorService> operators, Outages outages) {
    this.operators = operators;
    this.outages = outages;
  }

  /** {@code GET /v1/dlq[?limit=N]}: the messages (oldest first) with their tasks, and depths. */
  void list(Context ctx, OperatorService service) {
    int limit =
        UploadRoutes.intParam(ctx, "limit", OperatorService.MAX_LIST, 1, OperatorService.MAX_LIST);
    ok(ctx, service.list(limit).toJson());
  }

  /** {@code GET /v1/dlq/{id}}: one message (by message id) or one task's messages (by task id). */
  void show(Context ctx, OperatorService service) {
    ok(ctx, service.show(ctx.pathParam("id")).toJson());
  }

  /**
   * {@code POST /v1/dlq/redrive} with {@code {"all": true}} or {@code {"ids": [...]}}, and an
   * optional {@code "rate"} (messages a second).
   */
  void redrive(Context ctx, OperatorService service) {
    JsonNode body = Json.parseObject(ctx.bodyAsBytes());
    boolean all = body.path("all").asBoolean(false);
    if (body.has("all") && !body.get("all").isBoolean()) {
      throw UploadRoutes.invalidParam("all", "must be true or false");
    }
    var ids = new ArrayList<String>();
    JsonNode idNodes = body.path("ids");
    if (!idNodes.isMissingNode() && !idNodes.isNull()) {
      if (!idNodes.isArray()) {
        throw UploadRoutes.invalidParam("ids", "must be an array of task or message ids");
      }
      idNodes.forEach(
          id -> {
            if (!id.isTextual()) {
              throw UploadRoutes.invalidParam("ids", "must be an array of task or message ids");
            }
            ids.add(id.asText());
          });
    }
    OptionalInt rate = OptionalInt.empty();
    JsonNode rateNode = body.path("rate");
    if (!rateNode.isMissingNode() && !rateNode.isNull()) {
      if (!rateNode.canConvertToInt() || !rateNode.isIntegralNumber()) {
        throw UploadRoutes.invalidParam("rate", "must be a whole number of messages a second");
      }
      rate = OptionalInt.of(rateNode.asInt());
    }
    var request = new RedriveRequest(all, List.copyOf(ids), rate);
    ok(ctx, service.redrive(request, UploadRoutes.caller(ctx).owner()).toJson());
  }

  /** {@code POST /v1/uploads/{id}/retry}: a FAILED task, whoever owns it, back to PENDING. */
  void retry(Context ctx, OperatorService service) {
    String id = UploadRoutes.rememberId(ctx);
    if (!TaskId.isValid(id)) {
      throw ProblemException.notFound("No task " + id);
    }
    ok(ctx, service.retry(new TaskId(id), UploadRoutes.caller(ctx).owner()).toJson());
  }

  /**
   * {@code handler} for operators only: 403 for a user's key, 501 where this server has no
   * dead-letter queue to work on, and the operators' errors as problems.
   */
  Handler guard(Endpoint endpoint) {
    return ctx -> {
      Caller caller = UploadRoutes.caller(ctx);
      if (!caller.operator()) {
        throw ProblemException.operatorOnly();
      }
      OperatorService service =
          operators.orElseThrow(
              () ->
                  ProblemException.ofStatus(
                      501,
                      "Not implemented",
                      "The operators' endpoints are not available on this server"));
      try {
        endpoint.handle(ctx, service);
      } catch (InvalidOperatorRequestException e) {
        throw UploadRoutes.invalidRequest(e.field(), e.getMessage());
      } catch (DeadLetterNotFoundException | TaskNotFoundException e) {
        throw ProblemException.notFound(e.getMessage());
      } catch (RedriveInProgressException e) {
        throw ProblemException.conflict("redrive-in-progress", "Redrive in progress", e);
      } catch (RetryRefusedException e) {
        throw ProblemException.conflict("wrong-status", "Wrong task status", e)
            .extension("taskId", e.task().id().value())
            .extension("taskStatus", e.task().status().name());
      } catch (ProblemException | HttpResponseException e) {
        throw e; // the client's mistake, already answered (a body too large is Javalin's 413)
      } catch (RuntimeException e) {
        if (!outages.isOutage(e)) {
          throw e; // a bug, or an item nobody can read: a 500 with an incident id
        }
        LOG.warn("{} {}: the queue or the table did not answer", ctx.method(), ctx.path(), e);
        throw ProblemException.dependencyUnavailable(
            "The queue or the task table did not answer; what was done before stays done, and"
                + " the request is safe to repeat. Retry later");
      }
    };
  }

  /** One operators' endpoint. */
  @FunctionalInterface
  interface Endpoint {
    void handle(Context ctx, OperatorService service);
  }

  private static void ok(Context ctx, Object body) {
    ctx.status(200).contentType(UploadRoutes.JSON).result(Json.bytes(body));
  }
}
