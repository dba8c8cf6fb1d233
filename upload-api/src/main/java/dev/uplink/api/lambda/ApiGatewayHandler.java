package dev.uplink.api.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.RequestMetrics;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.logging.InvocationLogContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload API as an AWS Lambda function behind an API Gateway HTTP API (payload format 2.0).
 *
 * <p>Each event becomes the HTTP/1.1 request a client would have sent (method, {@code rawPath} and
 * {@code rawQueryString}, headers with {@code Host}, the {@code cookies} as one {@code Cookie}
 * header, the body base64-decoded when {@code isBase64Encoded}) and goes through Jetty's in-memory
 * connector into the very application the embedded server runs ({@link UploadApi#inMemory}): same
 * routes, authentication, validation, problem+json errors and access log. The response comes back
 * as {@code statusCode}, {@code headers} (repeated ones joined with {@code ", "}), {@code cookies}
 * (every {@code Set-Cookie}) and {@code body}, base64 unless it is UTF-8 text or JSON. A request
 * that HTTP/1.1 cannot carry (a control character in a header, an invalid method or header name, a
 * body that is not base64) is answered 400 problem+json here; API Gateway never sends one.
 *
 * <p>Limits of this mode, none of which applies to the embedded server:
 *
 * <ul>
 *   <li><b>Request size</b>: API Gateway accepts at most 10 MB, and a synchronous Lambda invocation
 *       at most 6 MB of event (less after base64), so direct uploads through Lambda are for small
 *       files; larger files go through presigned uploads. A larger body never reaches this code.
 *   <li><b>Time</b>: API Gateway gives up on an integration after 30 s. This handler allows an
 *       exchange {@link #EXCHANGE_TIMEOUT} (less if the invocation has less time left) and then
 *       answers 504; the long-poll wait ({@link ApiSettings#maxWait()}) must stay below it, which
 *       the constructors check.
 *   <li><b>Stage</b>: {@code rawPath} is used as is, so the API must be deployed on the {@code
 *       $default} stage (a named stage prefixes every path with its name).
 * </ul>
 *
 * <p>Every log line of an invocation, the application's included, carries its request id and
 * cold-start flag ({@link InvocationLogContext}): the application serves the request on a thread of
 * its own, so the request carries them there in {@link UploadApi#INVOCATION_ID_HEADER} and {@link
 * UploadApi#INVOCATION_COLD_START_HEADER} (a client's own are dropped).
 *
 * <p>Each request's metrics leave as a CloudWatch EMF line ({@link EmfRequestMetrics}).
 *
 * <p>The application is built once per instance, not per request; the Lambda runtime's no-argument
 * constructor builds it once per container from the environment.
 */
public final class ApiGatewayHandler implements RequestStreamHandler, AutoCloseable {

  /** API Gateway's integration timeout: no answer after it reaches the client. */
  public static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(30);

  /** Kept for writing the response when the invocation is about to run out of time. */
  private static final Duration RESPONSE_MARGIN = Duration.ofMillis(500);

  private static final Logger LOG = LoggerFactory.getLogger(ApiGatewayHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final UploadApi.InMemory api;
  private final Duration timeout;
  private final boolean ownsApi;

  /**
   * For the Lambda runtime: the API on AWS as the environment configures it, once per container.
   */
  public ApiGatewayHandler() {
    this(FromEnvironment.API, EXCHANGE_TIMEOUT, false);
  }

  /**
   * An API of its own on these settings and service (for tests and other wirings); {@link #close}
   * stops it.
   */
  public ApiGatewayHandler(ApiSettings settings, UploadService service) {
    this(settings, service, EXCHANGE_TIMEOUT);
  }

  ApiGatewayHandler(ApiSettings settings, UploadService service, Duration timeout) {
    this(start(settings, timeout, service, RequestMetrics.none()), timeout, true);
  }

  /** An API of its own that counts its requests in {@code metrics} (for tests). */
  ApiGatewayHandler(ApiSettings settings, UploadService service, RequestMetrics metrics) {
    this(start(settings, EXCHANGE_TIMEOUT, service, metrics), EXCHANGE_TIMEOUT, true);
  }

  private ApiGatewayHandler(UploadApi.InMemory api, Duration timeout, boolean ownsApi) {
    this.api = Objects.requireNonNull(api, "api");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.ownsApi = ownsApi;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context)
      throws IOException {
    try (var invocation = InvocationLogContext.of(requestIdOf(context))) {
      HttpApiResponse response = respond(input.readAllBytes(), timeLeft(context), invocation);
      JSON.writeValue(output, response.toJson(JSON));
    }
  }

  /** Stops the application, unless it is the container's shared one. */
  @Override
  public void close() {
    if (ownsApi) {
      api.close();
    }
  }

  private HttpApiResponse respond(
      byte[] event, Duration timeLeft, InvocationLogContext invocation) {
    RawRequest request;
    try {
      // The application serves the request on a thread of its own: the headers carry the
      // invocation there, for its log lines.
      request =
          RawRequest.of(
              HttpApiEvent.of(parse(event)),
              Map.of(
                  UploadApi.INVOCATION_ID_HEADER,
                  invocation.requestId(),
                  UploadApi.INVOCATION_COLD_START_HEADER,
                  Boolean.toString(invocation.coldStart())));
    } catch (EventRejectedException e) {
      if (e.status() >= 500) {
        LOG.error("Unusable event: {}", e.getMessage());
        return HttpApiResponse.problem(
            e.status(), "The API is not integrated correctly; it has been logged");
      }
      return HttpApiResponse.problem(e.status(), e.getMessage());
    }
    try {
      return HttpApiResponse.of(LocalExchange.send(api.connector(), request, timeLeft));
    } catch (LocalExchange.NoResponseException e) {
      if (e.timedOut()) {
        LOG.warn("No response within {} ms", timeLeft.toMillis());
        return HttpApiResponse.problem(
            504, "The request took longer than " + timeLeft.toMillis() + " ms");
      }
      LOG.error("No response from the application", e);
      return HttpApiResponse.problem(502, "The application gave no complete response");
    }
  }

  private static JsonNode parse(byte[] event) {
    try {
      return JSON.readTree(event);
    } catch (JsonProcessingException e) {
      throw EventRejectedException.misintegrated(
          "the event is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw EventRejectedException.misintegrated("the event cannot be read: " + e.getMessage());
    }
  }

  private static String requestIdOf(Context context) {
    return context == null ? null : context.getAwsRequestId();
  }

  /** The exchange timeout, or less when the invocation ends sooner. */
  private Duration timeLeft(Context context) {
    if (context == null) {
      return timeout;
    }
    Duration remaining =
        Duration.ofMillis(context.getRemainingTimeInMillis()).minus(RESPONSE_MARGIN);
    return remaining.compareTo(timeout) < 0 ? remaining : timeout;
  }

  private static UploadApi.InMemory start(
      ApiSettings settings, Duration timeout, UploadService service, RequestMetrics metrics) {
    if (settings.maxWait().compareTo(timeout) >= 0) {
      throw new IllegalArgumentException(
          "the long-poll wait ("
              + settings.maxWait()
              + ") must be shorter than the exchange timeout ("
              + timeout
              + "): API Gateway answers 503 after 30 s; lower the maximum wait");
    }
    return UploadApi.inMemory(settings, service, metrics);
  }

  /** The container's API, built on first use from the environment (initialization on demand). */
  private static final class FromEnvironment {

    static final UploadApi.InMemory API = build();

    private static UploadApi.InMemory build() {
      UplinkConfig config = UplinkConfig.fromEnvironment();
      UploadServices.Services services = UploadServices.servicesOnAws(config);
      UploadService service = services.uploads();
      ApiSettings settings = ApiSettings.from(config).withOperators(services.operators());
      // Each request's metrics leave as an EMF line on standard output, as Lambda expects.
      return start(
          settings,
          EXCHANGE_TIMEOUT,
          service,
          new EmfRequestMetrics(System.out, Clock.systemUTC()));
    }
  }
}
