package dev.uplink.api.http;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.WebhookService;
import dev.uplink.api.fakes.InMemoryDirectUploads;
import dev.uplink.api.fakes.InMemoryWebhookRegistry;
import dev.uplink.api.fakes.Outage;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.config.AdmissionLimits;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.domain.webhooks.WebhookUrlPolicy;
import dev.uplink.core.health.Readiness;
import dev.uplink.core.health.ReadinessCheck;
import dev.uplink.core.operations.OperatorService;
import dev.uplink.core.testing.InMemoryDeadLetterQueue;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code /openapi.json} is an OpenAPI 3.1 document that describes exactly the routes {@link
 * ApiApplication#routes} registers, and the API's real answers over HTTP conform to it: every
 * answer's status is one its operation declares, with the declared media type, required headers and
 * a body valid against the declared schema; and every status an operation declares is seen in a
 * real answer, except the few listed in {@link #UNPROVOKED}.
 *
 * <p>No JSON Schema validator is on the offline classpath, so {@link SchemaChecker} checks the
 * keywords the document uses, and refuses any keyword it does not know so that no constraint is
 * ever silently skipped.
 */
class OpenApiDocumentTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String PROBLEMS = "https://uplink.dev/problems/";
  private static final String PROBLEM_REF = "#/components/schemas/Problem";
  private static final Set<String> HTTP_METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final String KEY = "key";
  private static final String OPS = "ops-key";
  private static final long MAX_UPLOAD = 64 * 1024;
  private static final String UNKNOWN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

  /** The paths that need no API key: the document, and the probes for orchestrators. */
  private static final Set<String> PUBLIC =
      Set.of(OpenApiDocument.PATH, "/healthz", "/readyz", "/metrics");

  /**
   * Declared answers no in-process fake can provoke: {@code default} (an unexpected 500) on every
   * operation, and a failing list (the in-memory store's list cannot be made to fail).
   */
  private static final Set<String> UNPROVOKED = Set.of("GET /v1/uploads 503");

  private static final InMemoryTaskStore TASKS = new InMemoryTaskStore();
  private static final StreamingObjectStore OBJECTS = new StreamingObjectStore();
  private static final RecordingTaskQueue QUEUE = new RecordingTaskQueue();
  private static final InMemoryDirectUploads DIRECT = new InMemoryDirectUploads();
  private static final InMemoryWebhookRegistry WEBHOOKS = new InMemoryWebhookRegistry();
  private static final InMemoryDeadLetterQueue DLQ = new InMemoryDeadLetterQueue(Clock.systemUTC());

  private static JsonNode document;
  private static SchemaChecker schemas;
  private static UploadService service;

  /** Every key may send anywhere; presigned uploads available. */
  private static UploadApi api;

  /** The same service behind a key limited to web-*:/srv/uploads/ and one upload at a time. */
  private static UploadApi restricted;

  /** A service without presigned uploads. */
  private static UploadApi streamOnly;

  /** With a failing readiness check and metrics to serve; an operator key, but no operators. */
  private static UploadApi probed;

  /** The service with the operators' endpoints over {@link #DLQ}; {@link #OPS} is an operator. */
  private static UploadApi operated;

  /** Uploads slower than 16 KiB/s for 1 s are ended; one long poll per owner. */
  private static UploadApi floored;

  /** Operation ("METHOD /path/{template}") to the statuses real answers showed. */
  private final Map<String, Set<String>> seen = new TreeMap<>();

  @BeforeAll
  static void start() throws IOException {
    document = JSON.readTree(resourceBytes());
    schemas = new SchemaChecker(document);
    service =
        new UploadService(
            TASKS,
            OBJECTS,
            QUEUE,
            Clock.systemUTC(),
            UploadLimits.defaults().withMaxUploadBytes(MAX_UPLOAD),
            Optional.of(DIRECT));
    api =
        UploadApi.start(
            "127.0.0.1",
            0,
            ApiSettings.allowingAll(Map.of(KEY, "alice"))
                .withWebhooks(
                    new WebhookService(
                        WEBHOOKS, new WebhookUrlPolicy(true, false), Clock.systemUTC())),
            service);
    var limited = new Caller("alice", DestinationPolicy.parse("web-*:/srv/uploads/"));
    restricted =
        UploadApi.start(
            "127.0.0.1",
            0,
            ApiSettings.of(Map.of(KEY, limited)).withMaxConcurrentUploads(1),
            service);
    streamOnly =
        UploadApi.start(
            "127.0.0.1",
            0,
            Map.of(KEY, "alice"),
            new UploadService(
                new InMemoryTaskStore(),
                new StreamingObjectStore(),
                new RecordingTaskQueue(),
                Clock.systemUTC()));
    probed =
        UploadApi.start(
            "127.0.0.1",
            0,
            ApiSettings.of(
                    Map.of(
                        KEY,
                        new Caller("alice", DestinationPolicy.allowAll()),
                        OPS,
                        Caller.operator("ops")))
                .withProbes(
                    new Probes(
                        new Readiness(
                            List.of(
                                new ReadinessCheck("s3", () -> {}),
                                new ReadinessCheck(
                                    "dynamodb",
                                    () -> {
                                      throw new IOException("Connection refused");
                                    })),
                            Readiness.DEFAULT_TIMEOUT),
                        Optional.of(contentType -> "# TYPE uplink_tasks_done_total counter\n"))),
            service);
    operated =
        UploadApi.start(
            "127.0.0.1",
            0,
            ApiSettings.of(
                    Map.of(
                        KEY,
                        new Caller("alice", DestinationPolicy.allowAll()),
                        OPS,
                        Caller.operator("ops")))
                .withOperators(new OperatorService(TASKS, QUEUE, DLQ, Clock.systemUTC())),
            service);
    floored =
        UploadApi.start(
            "127.0.0.1",
            0,
            ApiSettings.of(Map.of(KEY, new Caller("alice", DestinationPolicy.allowAll())))
                .withAdmission(
                    new AdmissionLimits(
                        32, OptionalLong.empty(), 16 * 1024, Duration.ofSeconds(1), 1)),
            service);
  }

  @AfterAll
  static void stop() {
    for (UploadApi server :
        new UploadApi[] {api, restricted, streamOnly, probed, operated, floored}) {
      if (server != null) {
        server.close();
      }
    }
  }

  // --- the document itself ---

  @Test
  void itIsOpenApi310WithRelativeServerAndBearerSecurityAndEveryReferenceResolves() {
    assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
    assertThat(document.path("info").path("title").asText()).isNotBlank();
    assertThat(document.path("info").path("version").asText()).isNotBlank();
    assertThat(document.path("servers").path(0).path("url").asText()).isEqualTo("/");
    assertThat(document.path("security").toString()).isEqualTo("[{\"bearer\":[]}]");
    JsonNode bearer = document.path("components").path("securitySchemes").path("bearer");
    assertThat(bearer.path("type").asText()).isEqualTo("http");
    assertThat(bearer.path("scheme").asText()).isEqualTo("bearer");

    var refs = new TreeSet<String>();
    collectRefs(document, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).as("a local reference").startsWith("#/");
      assertThat(document.at(ref.substring(1)).isMissingNode()).as(ref + " resolves").isFalse();
    }
  }

  @Test
  void everyComponentIsUsed() {
    var refs = new TreeSet<String>();
    collectRefs(document, refs);
    var unused = new ArrayList<String>();
    for (String kind : List.of("schemas", "parameters", "headers", "responses")) {
      document
          .path("components")
          .path(kind)
          .fieldNames()
          .forEachRemaining(
              name -> {
                String ref = "#/components/" + kind + "/" + name;
                if (!refs.contains(ref)) {
                  unused.add(ref);
                }
              });
    }
    assertThat(unused).isEmpty();
  }

  @Test
  void itDescribesExactlyTheRegisteredRoutesHeadIncludedBecauseItIsRegisteredExplicitly() {
    var registered = new TreeSet<String>();
    for (var route : ApiApplication.routes(ApiSettings.allowingAll(Map.of()), service)) {
      registered.add(route.method().name() + " " + route.path());
    }

    assertThat(operations().keySet()).isEqualTo(registered);
    assertThat(registered).contains("HEAD /v1/uploads/{id}");
  }

  @Test
  void operationIdsAreUniqueCamelCaseAndEveryOperationHasASummaryAndOneSuccess() {
    var ids = new ArrayList<String>();
    operations()
        .forEach(
            (name, operation) -> {
              ids.add(operation.path("operationId").asText());
              assertThat(operation.path("operationId").asText())
                  .as(name)
                  .matches("[a-z][a-zA-Z0-9]*");
              assertThat(operation.path("summary").asText()).as(name).isNotBlank();
              var successes = new ArrayList<String>();
              operation
                  .path("responses")
                  .fieldNames()
                  .forEachRemaining(
                      status -> {
                        if (status.startsWith("2")) {
                          successes.add(status);
                        }
                      });
              assertThat(successes).as(name).hasSize(1);
            });
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void everyPathTemplateVariableIsARequiredPathParameterAndNoOtherIs() {
    operations()
        .forEach(
            (name, operation) -> {
              var inTemplate = new TreeSet<String>();
              Matcher variables = Pattern.compile("\\{([^}]+)}").matcher(name);
              while (variables.find()) {
                inTemplate.add(variables.group(1));
              }
              var declared = new TreeSet<String>();
              for (JsonNode parameter : operation.path("parameters")) {
                JsonNode resolved = resolveRef(parameter);
                assertThat(resolved.path("schema").isObject())
                    .as(name + " " + resolved.path("name"))
                    .isTrue();
                if (resolved.path("in").asText().equals("path")) {
                  declared.add(resolved.path("name").asText());
                  assertThat(resolved.path("required").asBoolean()).as(name).isTrue();
                }
              }
              assertThat(declared).as(name).isEqualTo(inTemplate);
            });
  }

  @Test
  void onlyTheDocumentAndTheProbesArePublicAndEveryOtherOperationDeclares401() {
    operations()
        .forEach(
            (name, operation) -> {
              if (PUBLIC.contains(name.substring(name.indexOf(' ') + 1))) {
                assertThat(operation.path("security").toString()).isEqualTo("[]");
                assertThat(operation.path("responses").has("401")).isFalse();
              } else {
                assertThat(operation.has("security")).as(name + " inherits bearer").isFalse();
                assertThat(resolveRef(operation.path("responses").path("401")).isObject())
                    .as(name + " declares 401")
                    .isTrue();
              }
            });
  }

  @Test
  void everyErrorIsAProblemAndHeadAnswersWhatGetDoesWithoutBodies() {
    operations()
        .forEach(
            (name, operation) -> {
              var statuses = new TreeSet<String>();
              operation
                  .path("responses")
                  .fields()
                  .forEachRemaining(
                      entry -> {
                        statuses.add(entry.getKey());
                        JsonNode response = resolveRef(entry.getValue());
                        String at = name + " " + entry.getKey();
                        assertThat(response.path("description").asText()).as(at).isNotBlank();
                        if (name.startsWith("HEAD ")) {
                          assertThat(response.has("content")).as(at + " has no body").isFalse();
                        } else if (isError(entry.getKey())) {
                          assertThat(response.path("content").size()).as(at).isEqualTo(1);
                          assertThat(
                                  response
                                      .path("content")
                                      .path(UploadApi.PROBLEM_MEDIA_TYPE)
                                      .path("schema")
                                      .path("$ref")
                                      .asText())
                              .as(at)
                              .isEqualTo(PROBLEM_REF);
                        }
                      });
              if (name.startsWith("HEAD ")) {
                var get = new TreeSet<String>();
                operations()
                    .get("GET " + name.substring(5))
                    .path("responses")
                    .fieldNames()
                    .forEachRemaining(get::add);
                assertThat(statuses).as(name).isEqualTo(get);
              }
            });
  }

  @Test
  void theProblemSchemaIsRfc9457WithTheApisExtensions() {
    JsonNode problem = document.at("/components/schemas/Problem");

    assertThat(JSON.convertValue(problem.path("required"), List.class))
        .containsExactlyInAnyOrder("type", "title", "status", "detail");
    assertThat(iterable(problem.path("properties").fieldNames()))
        .contains("type", "title", "status", "detail", "field", "taskId", "taskStatus");
  }

  @Test
  void everySchemaUsesOnlyCheckedKeywordsAndEveryExampleIsValid() {
    var roots = new ArrayList<JsonNode>();
    collectSchemas(roots);
    assertThat(roots).hasSizeGreaterThan(20);
    int examples = 0;
    for (JsonNode root : roots) {
      schemas.requireKnownKeywords(root);
      for (JsonNode example : root.path("examples")) {
        examples++;
        assertThat(schemas.violations(example, root, "example")).as(root.toString()).isEmpty();
      }
    }
    assertThat(examples).isGreaterThan(0);
  }

  @Test
  void theCheckerRejectsWhatTheSchemasForbid() throws IOException {
    JsonNode accepted = document.at("/components/schemas/Accepted");
    JsonNode task = document.at("/components/schemas/Task");
    String example = task.path("examples").path(0).toString();

    assertThat(violations("{\"id\":\"%s\",\"status\":\"PENDING\",\"statusUrl\":\"/\"}", accepted))
        .isEmpty();
    assertThat(
            violations(
                "{\"id\":\"%s\",\"status\":\"PENDING\",\"statusUrl\":\"/\",\"x\":1}", accepted))
        .singleElement(STRING)
        .contains("undeclared member x");
    assertThat(violations("{\"id\":\"%s\",\"status\":\"PENDING\"}", accepted))
        .singleElement(STRING)
        .contains("lacks statusUrl");
    assertThat(violations("{\"id\":\"%s\",\"status\":\"GONE\",\"statusUrl\":\"/\"}", accepted))
        .singleElement(STRING)
        .contains("not one of");
    assertThat(
            violations("{\"id\":\"not-a-ulid\",\"status\":\"DONE\",\"statusUrl\":\"/\"}", accepted))
        .singleElement(STRING)
        .contains("pattern");
    assertThat(violations(example.replace("\"size\":209715200", "\"size\":\"big\""), task))
        .singleElement(STRING)
        .contains("$.size is not");
    assertThat(
            violations(example.replace("\"upload\":null", "\"upload\":{\"kind\":\"put\"}"), task))
        .singleElement(STRING)
        .contains("$.upload matches none of anyOf");
    assertThat(
            violations(
                example.replace(
                    "\"createdAt\":\"2026-11-22T06:30:00.123Z\"", "\"createdAt\":\"yesterday\""),
                task))
        .singleElement(STRING)
        .contains("$.createdAt is not a \"date-time\"");
    assertThat(violations(example.replace("\"reason\":\"uploaded\"", "\"reason\":7"), task))
        .singleElement(STRING)
        .contains("$.timeline[0].reason is not");
    assertThat(violations(example.replace("\"uid\":1000", "\"uid\":-1"), task))
        .singleElement(STRING)
        .contains("minimum");
  }

  // --- modes: what the document allows is exactly what the API accepts ---

  @Test
  void givenEveryModeTheApiTakes_whenCheckedAgainstTheDocumentedPatterns_thenBothAgree() {
    JsonNode upload = document.at("/paths/~1v1~1uploads/post");
    List<JsonNode> modeSchemas =
        List.of(
            parameterSchema(upload, "mode"),
            parameterSchema(upload, "X-File-Mode"),
            upload.at("/requestBody/content/multipart~1form-data/schema/properties/mode"),
            document.at("/components/schemas/Declaration/properties/mode"));
    var candidates = new TreeSet<String>();
    for (int mode = 0; mode <= 07777; mode++) {
      for (String form : List.of("%o", "%03o", "%04o", "0%04o")) {
        candidates.add(form.formatted(mode));
      }
    }
    candidates.addAll(List.of("8", "0999", "-1", "0x1FF", "rw-r--r--", " 0640", "0640 "));

    for (JsonNode schema : modeSchemas) {
      assertThat(schema.path("pattern").isTextual()).as("a pattern in %s", schema).isTrue();
      for (String mode : candidates) {
        assertThat(schemas.violations(JSON.getNodeFactory().textNode(mode), schema, "$"))
            .as("the document on mode %s, as the API answers it (%s)", mode, apiAnswer(mode))
            .matches(violations -> violations.isEmpty() == apiAccepts(mode));
      }
    }
    JsonNode declared = document.at("/components/schemas/Declaration/properties/mode");
    for (int number = 0; number <= 7777; number++) {
      if (Integer.toString(number).matches("[0-7]+")) {
        int n = number;
        // A number's decimal digits are read as octal, at least three (DirectUploadRoutes).
        assertThat(schemas.violations(JSON.getNodeFactory().numberNode(n), declared, "$"))
            .as("the document on mode %d as a JSON number", n)
            .matches(violations -> violations.isEmpty() == apiAccepts("%03d".formatted(n)));
      }
    }
  }

  @Test
  void givenATasksMode_whenDocumented_thenItIsALeadingZeroAndThreeOctalDigits() {
    for (String schema : List.of("Task", "OperatorTask")) {
      assertThat(document.at("/components/schemas/" + schema + "/properties/mode/pattern").asText())
          .as(schema)
          .isEqualTo("^0[0-7]{3}$");
    }
  }

  private static JsonNode parameterSchema(JsonNode operation, String name) {
    for (JsonNode parameter : operation.path("parameters")) {
      if (parameter.path("name").asText().equals(name)) {
        return parameter.path("schema");
      }
    }
    throw new AssertionError("no parameter " + name);
  }

  private static boolean apiAccepts(String mode) {
    return apiAnswer(mode).equals("accepted");
  }

  private static String apiAnswer(String mode) {
    try {
      Destination.parse("web", "/srv/a", mode, null, null);
      return "accepted";
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  // --- the document as served ---

  @Test
  void theDocumentIsServedWithoutAKeyAsTheResourceBytes() throws Exception {
    var response = send(call(api, "GET", OpenApiDocument.PATH).anonymous());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(mediaType(response)).isEqualTo("application/json");
    assertThat(response.body()).isEqualTo(resourceBytes());
  }

  // --- real answers ---

  @TestFactory
  Stream<DynamicTest> realAnswersConformToTheDocument() {
    return Stream.of(
        dynamicTest("the document itself, without a key", this::theDocument),
        dynamicTest("health, readiness and metrics, without a key", this::probes),
        dynamicTest("who a key speaks for", this::callers),
        dynamicTest("streamed uploads, reading, listing and cancelling", this::streamedLifecycle),
        dynamicTest("a long poll answers when progress changes", this::longPoll),
        dynamicTest("a presigned PUT, completed, mismatched and replayed", this::presignedPut),
        dynamicTest("a multipart upload, its parts and its completion", this::multipartUpload),
        dynamicTest("malformed, oversized and mistyped requests", this::refusedRequests),
        dynamicTest("every protected operation without a key, and unknown ids", this::noKeyNoTask),
        dynamicTest("a restricted key, a busy server, no presigned uploads", this::limits),
        dynamicTest("a stalled upload, and long polls past the owner's share", this::admission),
        dynamicTest("failing dependencies", this::failingDependencies),
        dynamicTest("the operators' dead-letter queue and retries", this::operators),
        dynamicTest("webhook endpoints and their deliveries", this::webhooks),
        dynamicTest("every declared status was seen in a real answer", this::everyStatusSeen));
  }

  private void theDocument() throws Exception {
    conforming(call(api, "GET", OpenApiDocument.PATH).anonymous(), 200);
  }

  private void probes() throws Exception {
    conforming(call(api, "GET", "/healthz").anonymous(), 200);
    conforming(call(api, "GET", "/readyz").anonymous(), 200);
    conforming(call(api, "GET", "/metrics").anonymous(), 404);
    var notReady = conforming(call(probed, "GET", "/readyz").anonymous(), 503);
    assertThat(new String(notReady.body(), StandardCharsets.UTF_8))
        .as("which check failed, and why, is for operators")
        .doesNotContain("dynamodb", "Connection refused", "checks");
    var detailed = conforming(call(probed, "GET", "/readyz").key(OPS), 503);
    assertThat(new String(detailed.body(), StandardCharsets.UTF_8))
        .contains("dynamodb (IOException: Connection refused)")
        .contains("\"s3\":\"ok\"");
    assertThat(json(conforming(call(probed, "GET", "/readyz").key(KEY), 503)).has("checks"))
        .as("a user's key sees no details either")
        .isFalse();
    assertThat(
            new String(
                conforming(call(probed, "GET", "/metrics").anonymous(), 200).body(),
                StandardCharsets.UTF_8))
        .startsWith("# TYPE uplink_tasks_done_total counter");
  }

  private void callers() throws Exception {
    JsonNode user = json(conforming(call(restricted, "GET", "/v1/me"), 200));
    assertThat(user.path("owner").asText()).isEqualTo("alice");
    assertThat(user.path("operator").asBoolean()).isFalse();
    assertThat(user.path("destinations").toString())
        .isEqualTo(
            "[{\"remote\":\"\",\"project\":\"default\",\"instance\":\"web-*\","
                + "\"pathPrefix\":\"/srv/uploads/\"}]");
    assertThat(user.path("maxUploadBytes").asLong()).isEqualTo(MAX_UPLOAD);
    assertThat(user.path("presignedUploads").asBoolean()).isTrue();
    JsonNode operator = json(conforming(call(operated, "GET", "/v1/me").key(OPS), 200));
    assertThat(operator.path("operator").asBoolean()).isTrue();
    assertThat(operator.path("destinations")).isEmpty();
    assertThat(
            json(conforming(call(streamOnly, "GET", "/v1/me"), 200))
                .path("presignedUploads")
                .asBoolean())
        .isFalse();
  }

  private void streamedLifecycle() throws Exception {
    var first =
        conforming(
            call(api, "POST", "/v1/uploads?container=web&path=/srv/a.txt&mode=0640&uid=1000")
                .header("Idempotency-Key", "doc-1")
                .body("application/octet-stream", bytes("abc")),
            202);
    String id = json(first).path("id").asText();
    assertThat(first.headers().firstValue("Location")).hasValue("/v1/uploads/" + id);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/other.txt")
            .header("Idempotency-Key", "doc-1")
            .body("application/octet-stream", bytes("abc")),
        409);
    var form =
        new Multipart()
            .field("container", "web")
            .field("path", "/srv/form.txt")
            .file("file", "form.txt", bytes("form"))
            .build();
    String second =
        json(conforming(call(api, "POST", "/v1/uploads").body(Multipart.CONTENT_TYPE, form), 202))
            .path("id")
            .asText();

    JsonNode task = json(conforming(call(api, "GET", "/v1/uploads/" + id), 200));
    assertThat(task.path("mode").asText()).isEqualTo("0640");
    var head = conforming(call(api, "HEAD", "/v1/uploads/" + id), 200);
    assertThat(head.body()).isEmpty();

    var page = conforming(call(api, "GET", "/v1/uploads?limit=1&container=web"), 200);
    String cursor = json(page).path("nextCursor").asText();
    assertThat(page.headers().firstValue("Link"))
        .hasValueSatisfying(link -> assertThat(link).contains(cursor));
    conforming(call(api, "GET", "/v1/uploads?limit=1&container=web&cursor=" + cursor), 200);
    conforming(call(api, "GET", "/v1/uploads?status=pending"), 200);

    conforming(call(api, "DELETE", "/v1/uploads/" + second), 200);
    JsonNode again = json(conforming(call(api, "DELETE", "/v1/uploads/" + second), 200));
    assertThat(again.path("status").asText()).isEqualTo("CANCELLED");
    // Streamed tasks are complete from the start.
    conforming(call(api, "POST", "/v1/uploads/" + id + "/complete"), 202);
  }

  private void longPoll() throws Exception {
    String id =
        json(conforming(
                call(api, "POST", "/v1/uploads?container=web&path=/srv/poll")
                    .body("application/octet-stream", bytes("poll")),
                202))
            .path("id")
            .asText();
    UploadTask claimed = TASKS.claim(new TaskId(id), Instant.now(), Duration.ofMinutes(5));

    long started = System.nanoTime();
    CompletableFuture<HttpResponse<byte[]>> poll =
        HTTP.sendAsync(call(api, "GET", "/v1/uploads/" + id + "?wait=15").build(), bytesHandler());
    Thread.sleep(300);
    TASKS.recordProgress(claimed.id(), claimed.attempts(), 2);
    var changed = poll.get(10, TimeUnit.SECONDS);
    conforms(changed);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(json(changed).path("status").asText()).isEqualTo("PROCESSING");
    assertThat(json(changed).path("bytesPushed").asLong()).isEqualTo(2);
    JsonNode refused = json(conforming(call(api, "DELETE", "/v1/uploads/" + id), 409));
    assertThat(refused.path("taskStatus").asText()).isEqualTo("PROCESSING");
  }

  private void presignedPut() throws Exception {
    byte[] file = bytes("presigned");
    var created =
        conforming(
            call(api, "POST", "/v1/uploads/presign")
                .header("Idempotency-Key", "doc-put")
                .body("application/json", declaration("/srv/put.bin", file)),
            201);
    JsonNode body = json(created);
    String id = body.path("id").asText();
    assertThat(body.path("upload").path("method").asText()).isEqualTo("PUT");
    conforming(call(api, "POST", body.path("completeUrl").asText()), 409);

    DIRECT.putObject("uploads/" + id, file);
    JsonNode completed =
        json(conforming(call(api, "POST", body.path("completeUrl").asText()), 202));
    assertThat(completed.path("status").asText()).isEqualTo("PENDING");
    conforming(call(api, "POST", body.path("completeUrl").asText()), 202);
    assertThat(json(conforming(call(api, "GET", "/v1/uploads/" + id), 200)).path("upload"))
        .hasToString(
            "{\"kind\":\"put\",\"expiresAt\":\"%s\"}".formatted(body.path("expiresAt").asText()));
    JsonNode replay =
        json(
            conforming(
                call(api, "POST", "/v1/uploads/presign")
                    .header("Idempotency-Key", "doc-put")
                    .body("application/json", declaration("/srv/put.bin", file)),
                201));
    assertThat(replay.path("upload").isNull()).as("no URL once the bytes are in").isTrue();

    String mismatched =
        json(conforming(
                call(api, "POST", "/v1/uploads/presign")
                    .body("application/json", declaration("/srv/bad.bin", file)),
                201))
            .path("id")
            .asText();
    DIRECT.putObject("uploads/" + mismatched, bytes("something else"));
    JsonNode mismatch =
        json(conforming(call(api, "POST", "/v1/uploads/" + mismatched + "/complete"), 422));
    assertThat(mismatch.path("taskStatus").asText()).isEqualTo("FAILED");
    conforming(call(api, "POST", "/v1/uploads/" + mismatched + "/complete"), 409);
    conforming(call(api, "DELETE", "/v1/uploads/" + mismatched), 409);
    JsonNode failed = json(conforming(call(api, "GET", "/v1/uploads/" + mismatched), 200));
    assertThat(failed.path("lastError").path("code").asText()).isEqualTo("UPLOAD_MISMATCH");
  }

  private void multipartUpload() throws Exception {
    byte[] file = bytes("in parts");
    JsonNode created =
        json(
            conforming(
                call(api, "POST", "/v1/uploads/multipart")
                    .body("application/json", declaration("/srv/parts.bin", file)),
                201));
    String task = created.path("statusUrl").asText();
    assertThat(created.path("partCount").asInt()).isEqualTo(1);

    JsonNode part = json(conforming(call(api, "POST", task + "/parts/1"), 200));
    conforming(call(api, "POST", task + "/parts/2"), 400);
    conforming(call(api, "POST", task + "/parts/first"), 400);
    assertThat(json(conforming(call(api, "GET", created.path("partsUrl").asText()), 200)))
        .hasToString("{\"parts\":[]}");
    DIRECT.putPart(uploadIdIn(part.path("url").asText()), 1, file);
    JsonNode parts = json(conforming(call(api, "GET", task + "/parts"), 200));
    assertThat(parts.path("parts").path(0).path("size").asInt()).isEqualTo(file.length);

    conforming(call(api, "POST", created.path("completeUrl").asText()), 202);
    conforming(call(api, "GET", task + "/parts"), 409);
    conforming(call(api, "POST", task + "/parts/1"), 409);

    String single =
        json(conforming(
                call(api, "POST", "/v1/uploads/presign")
                    .body("application/json", declaration("/srv/single.bin", file)),
                201))
            .path("statusUrl")
            .asText();
    conforming(call(api, "GET", single + "/parts"), 400);
    conforming(call(api, "POST", single + "/parts/1"), 400);
  }

  private void refusedRequests() throws Exception {
    byte[] one = {1};
    conforming(
        call(api, "POST", "/v1/uploads?container=web").body("application/octet-stream", one), 400);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/x")
            .header("X-Container-Name", "db")
            .body("application/octet-stream", one),
        400);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/x")
            .body("application/octet-stream", new byte[0]),
        400);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/x")
            .body(Multipart.CONTENT_TYPE, new Multipart().field("note", "no file").build()),
        400);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/x")
            .body("multipart/mixed; boundary=x", bytes("--x--\r\n")),
        415);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/x")
            .body("application/octet-stream", new byte[(int) MAX_UPLOAD + 1]),
        413);
    conforming(
        call(api, "POST", "/v1/uploads?container=web&path=/srv/x").stream(
            new ByteArrayInputStream(new byte[(int) MAX_UPLOAD + 1])),
        413);

    conforming(call(api, "GET", "/v1/uploads?limit=0"), 400);
    conforming(call(api, "GET", "/v1/uploads?status=LOST"), 400);
    conforming(call(api, "GET", "/v1/uploads?cursor=%21"), 400);
    conforming(call(api, "GET", "/v1/uploads/" + UNKNOWN_ID + "?wait=-1"), 400);
    conforming(call(api, "HEAD", "/v1/uploads/" + UNKNOWN_ID + "?wait=soon"), 400);

    for (String kind : List.of("presign", "multipart")) {
      String target = "/v1/uploads/" + kind;
      conforming(post(api, target).body("text/plain", declaration("/srv/d", one)), 415);
      conforming(post(api, target).body("application/json", bytes("{\"size\":1,")), 400);
      conforming(post(api, target).body("application/json", bytes("{\"bogus\":1}")), 400);
      conforming(
          post(api, target)
              .body("application/json", bytes("{\"path\":\"/" + "a".repeat(70_000) + "\"}")),
          413);
      conforming(
          post(api, target)
              .body(
                  "application/json",
                  bytes("{\"container\":\"web\",\"path\":\"/srv/d\",\"size\":1}")),
          400);
      conforming(
          post(api, target)
              .body("application/json", declaration("/srv/d", new byte[(int) MAX_UPLOAD + 1])),
          413);
      conforming(
          post(api, target)
              .header("Idempotency-Key", "doc-" + kind)
              .body("application/json", declaration("/srv/d", one)),
          201);
      conforming(
          post(api, target)
              .header("Idempotency-Key", "doc-" + kind)
              .body("application/json", declaration("/srv/elsewhere", one)),
          409);
    }
  }

  private void noKeyNoTask() throws Exception {
    for (String operation : operations().keySet()) {
      String method = operation.substring(0, operation.indexOf(' '));
      String target =
          operation
              .substring(operation.indexOf(' ') + 1)
              .replace("{id}", UNKNOWN_ID)
              .replace("{partNumber}", "1");
      if (PUBLIC.contains(target)) {
        continue;
      }
      conforming(call(api, method, target).anonymous(), 401);
      conforming(call(api, method, target).key("not-a-key"), 401);
      if (isOperators(operation)) {
        conforming(call(operated, method, target), 403);
        conforming(call(probed, method, target).key(OPS), 501);
      } else if (operation.contains("/v1/webhooks")) {
        conforming(call(streamOnly, method, target), 501);
        if (target.contains(UNKNOWN_ID)) {
          conforming(call(api, method, target), 404);
        }
      } else if (target.contains(UNKNOWN_ID)) {
        conforming(call(api, method, target), 404);
        boolean presigned = operation.contains("/parts") || operation.endsWith("/complete");
        conforming(call(streamOnly, method, target), presigned ? 501 : 404);
      }
    }
  }

  private void limits() throws Exception {
    byte[] one = {1};
    conforming(
        call(restricted, "POST", "/v1/uploads?container=db-1&path=/srv/uploads/x")
            .body("application/octet-stream", one),
        403);
    for (String kind : List.of("presign", "multipart")) {
      conforming(
          post(restricted, "/v1/uploads/" + kind)
              .body("application/json", declaration("/etc/passwd", one)),
          403);
      conforming(
          post(streamOnly, "/v1/uploads/" + kind)
              .body("application/json", declaration("/srv/d", one)),
          501);
    }

    int putsBefore = OBJECTS.putsStarted();
    var body = new SubmissionPublisher<ByteBuffer>();
    CompletableFuture<HttpResponse<byte[]>> slow =
        HTTP.sendAsync(
            call(restricted, "POST", "/v1/uploads?container=web-1&path=/srv/uploads/slow").stream(
                    body)
                .build(),
            bytesHandler());
    await(() -> body.getNumberOfSubscribers() > 0);
    body.submit(ByteBuffer.wrap(one));
    await(() -> OBJECTS.putsStarted() > putsBefore);
    var busy =
        conforming(
            call(restricted, "POST", "/v1/uploads?container=web-1&path=/srv/uploads/next")
                .body("application/octet-stream", one),
            429);
    assertThat(busy.headers().firstValue("Retry-After")).isPresent();
    body.close();
    conforms(slow.get(10, TimeUnit.SECONDS));
    assertThat(slow.get().statusCode()).isEqualTo(202);
  }

  private void admission() throws Exception {
    String target = "/v1/uploads?container=web&path=/srv/stalled";
    HttpResponse<byte[]> stalled =
        RawExchange.sendAndStall(
            floored.port(),
            "POST",
            target,
            "POST "
                + target
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + KEY
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 50000",
            bytes("one byte, then nothing"),
            20_000);
    assertThat(stalled.statusCode()).isEqualTo(408);
    conforms(stalled);

    String id =
        json(conforming(
                call(api, "POST", "/v1/uploads?container=web&path=/srv/watched")
                    .body("application/octet-stream", bytes("watched")),
                202))
            .path("id")
            .asText();
    String task = "/v1/uploads/" + id;
    // The owner's one long poll; whichever request got there first holds it, so start again
    // until the held one is the long-lived one.
    CompletableFuture<HttpResponse<byte[]>> watching = null;
    HttpResponse<byte[]> refused = null;
    for (int round = 0; round < 20 && refused == null; round++) {
      if (watching == null || watching.isDone()) {
        watching = HTTP.sendAsync(call(floored, "GET", task + "?wait=15").build(), bytesHandler());
      }
      Thread.sleep(200);
      HttpResponse<byte[]> probe = send(call(floored, "GET", task + "?wait=1"));
      if (probe.statusCode() == 429) {
        refused = probe;
      }
    }
    assertThat(refused).as("a second long poll of one owner is refused").isNotNull();
    conforms(refused);
    conforming(call(floored, "HEAD", task + "?wait=1"), 429);
    conforming(call(floored, "GET", task), 200);
    conforming(call(api, "DELETE", task), 200);
    conforms(watching.get(10, TimeUnit.SECONDS));
  }

  private void failingDependencies() throws Exception {
    byte[] one = {1};
    QUEUE.failPublishesWith(Outage.of("queue down"));
    try {
      JsonNode recorded =
          json(
              conforming(
                  call(api, "POST", "/v1/uploads?container=web&path=/srv/later")
                      .body("application/octet-stream", one),
                  503));
      assertThat(recorded.path("statusUrl").asText()).endsWith(recorded.path("taskId").asText());
    } finally {
      QUEUE.failPublishesWith(null);
    }
    TASKS.failCreatesWith(Outage.of("store down"));
    try {
      for (String kind : List.of("presign", "multipart")) {
        conforming(
            post(api, "/v1/uploads/" + kind).body("application/json", declaration("/srv/d", one)),
            503);
      }
    } finally {
      TASKS.failCreatesWith(null);
    }
    TASKS.failFindsWith(Outage.of("store down"));
    try {
      String task = "/v1/uploads/" + UNKNOWN_ID;
      conforming(call(api, "GET", task), 503);
      conforming(call(api, "HEAD", task), 503);
      conforming(call(api, "DELETE", task), 503);
      conforming(call(api, "GET", task + "/parts"), 503);
      conforming(call(api, "POST", task + "/parts/1"), 503);
      conforming(call(api, "POST", task + "/complete"), 503);
    } finally {
      TASKS.failFindsWith(null);
    }
  }

  private static boolean isOperators(String operation) {
    return operation.contains(OperatorRoutes.DLQ) || operation.endsWith("/retry");
  }

  private void operators() throws Exception {
    var empty = json(conforming(call(operated, "GET", "/v1/dlq").key(OPS), 200));
    assertThat(empty.path("messages")).isEmpty();
    conforming(call(operated, "GET", "/v1/dlq?limit=0").key(OPS), 400);

    UploadTask failed = failedTask("/srv/dead.bin");
    String poison = DLQ.add("not a task message");
    var listing = json(conforming(call(operated, "GET", "/v1/dlq?limit=10").key(OPS), 200));
    assertThat(listing.path("messages").findValuesAsText("kind"))
        .containsExactlyInAnyOrder("TASK", "NOT_A_TASK");
    conforming(call(operated, "GET", "/v1/dlq/" + failed.id().value()).key(OPS), 200);
    conforming(call(operated, "GET", "/v1/dlq/" + poison).key(OPS), 200);
    conforming(call(operated, "GET", "/v1/dlq/" + UNKNOWN_ID).key(OPS), 404);

    conforming(redrive("{\"all\": true, \"ids\": [\"" + UNKNOWN_ID + "\"]}"), 400);
    conforming(redrive("{\"all\": true, \"rate\": 0}"), 400);
    conforming(redrive("{\"ids\": \"not-a-list\"}"), 400);
    conforming(redrive("[]"), 400);
    conforming(redrive("{\"ids\": [\"" + "x".repeat(100_000) + "\"]}"), 413);
    DLQ.moveRunning(true);
    try {
      conforming(redrive("{\"all\": true}"), 409);
    } finally {
      DLQ.moveRunning(false);
    }
    var report = json(conforming(redrive("{\"ids\": [\"" + failed.id().value() + "\"]}"), 200));
    assertThat(report.path("counts").path("RETRIED").asInt()).isEqualTo(1);
    assertThat(TASKS.find(failed.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    conforming(redrive("{\"all\": true, \"rate\": 100}"), 200);

    UploadTask again = failedTask("/srv/again.bin");
    String retry = "/v1/uploads/" + again.id().value() + "/retry";
    var retried = json(conforming(call(operated, "POST", retry).key(OPS), 200));
    assertThat(retried.path("task").path("status").asText()).isEqualTo("PENDING");
    conforming(call(operated, "POST", retry).key(OPS), 409);
    conforming(call(operated, "POST", "/v1/uploads/" + UNKNOWN_ID + "/retry").key(OPS), 404);
    conforming(call(operated, "POST", "/v1/uploads/not-an-id/retry").key(OPS), 404);

    DLQ.failWith(Outage.of("queue down"));
    try {
      conforming(call(operated, "GET", "/v1/dlq").key(OPS), 503);
      conforming(call(operated, "GET", "/v1/dlq/" + UNKNOWN_ID).key(OPS), 503);
      conforming(redrive("{\"all\": true}"), 503);
    } finally {
      DLQ.failWith(null);
    }
    TASKS.failFindsWith(Outage.of("store down"));
    try {
      conforming(call(operated, "POST", retry).key(OPS), 503);
    } finally {
      TASKS.failFindsWith(null);
    }
  }

  private void webhooks() throws Exception {
    var created =
        json(
            conforming(
                webhook("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"upload.done\"]}"),
                201));
    String id = created.path("id").asText();
    assertThat(created.path("secret").asText()).startsWith("whsec_");
    conforming(webhook("{\"url\": \"https://169.254.169.254/latest\"}"), 400);
    conforming(webhook("{\"url\": \"http://127.0.0.1:9/\", \"events\": [\"upload.nope\"]}"), 400);
    conforming(webhook("{\"events\": []}"), 400);
    conforming(webhook("{\"url\": \"" + "x".repeat(100_000) + "\"}"), 413);
    var listed = json(conforming(call(api, "GET", "/v1/webhooks"), 200));
    assertThat(listed.path("items").findValuesAsText("id")).contains(id);
    assertThat(listed.toString()).doesNotContain("whsec_");
    conforming(call(api, "GET", "/v1/webhooks/" + id), 200);
    conforming(call(api, "GET", "/v1/webhooks/" + id + "/deliveries"), 200);
    conforming(call(api, "GET", "/v1/webhooks/" + id + "/deliveries?limit=0"), 400);
    WEBHOOKS.failWith(Outage.of("table down"));
    try {
      conforming(webhook("{\"url\": \"http://127.0.0.1:9/hook\"}"), 503);
      conforming(call(api, "GET", "/v1/webhooks"), 503);
      conforming(call(api, "GET", "/v1/webhooks/" + id), 503);
      conforming(call(api, "GET", "/v1/webhooks/" + id + "/deliveries"), 503);
      conforming(call(api, "DELETE", "/v1/webhooks/" + id), 503);
    } finally {
      WEBHOOKS.failWith(null);
    }
    conforming(call(api, "DELETE", "/v1/webhooks/" + id), 200);
    conforming(call(api, "DELETE", "/v1/webhooks/" + id), 404);
  }

  private Call webhook(String body) {
    return call(api, "POST", "/v1/webhooks")
        .body("application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private Call redrive(String body) {
    return call(operated, "POST", "/v1/dlq/redrive")
        .key(OPS)
        .body("application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  /** A task that used up its attempts, with its message in {@link #DLQ}. */
  private static UploadTask failedTask(String path) {
    Instant now = Instant.now();
    UploadTask task =
        aTask()
            .to("web-1", path)
            .objectKey("uploads/x")
            .sha256("4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a")
            .createdAt(now)
            .build();
    TASKS.put(
        InMemoryTaskStore.with(
            task,
            TaskStatus.FAILED,
            5,
            Optional.of(new TaskError(TaskError.RETRIES_EXHAUSTED, "INCUS_UNAVAILABLE: refused")),
            Optional.empty(),
            now));
    DLQ.addTaskMessage(task.id());
    return task;
  }

  private void everyStatusSeen() {
    var unseen = new TreeSet<String>();
    operations()
        .forEach(
            (name, operation) ->
                operation
                    .path("responses")
                    .fieldNames()
                    .forEachRemaining(
                        status -> {
                          String answer = name + " " + status;
                          if (!status.equals("default")
                              && !UNPROVOKED.contains(answer)
                              && !seen.getOrDefault(name, Set.of()).contains(status)) {
                            unseen.add(answer);
                          }
                        }));
    assertThat(unseen).as("declared but never answered").isEmpty();
  }

  // --- conformance ---

  /**
   * Sends the call, checks the answer against the document and that its status is {@code status}.
   */
  private HttpResponse<byte[]> conforming(Call call, int status) throws Exception {
    HttpResponse<byte[]> response = send(call);
    assertThat(response.statusCode())
        .as(
            "%s %s: %s",
            call.method, call.target, new String(response.body(), StandardCharsets.UTF_8))
        .isEqualTo(status);
    conforms(response);
    return response;
  }

  /**
   * The answer's status is declared for its operation (5xx may fall to {@code default}), its media
   * type is declared with a schema its body satisfies (no body, and none declared, for HEAD), and
   * every required header is present. A problem's {@code type} is one the response's description
   * names, and its {@code status} repeats the answer's.
   */
  private void conforms(HttpResponse<byte[]> response) throws IOException {
    String method = response.request().method();
    String template = templateOf(response.request().uri().getPath());
    String name = method + " " + template;
    JsonNode operation = operations().get(name);
    assertThat(operation).as("%s is documented", name).isNotNull();
    String status = Integer.toString(response.statusCode());
    String body = new String(response.body(), StandardCharsets.UTF_8);
    String declaredStatus =
        operation.path("responses").has(status) || response.statusCode() < 500 ? status : "default";
    JsonNode declared = resolveRef(operation.path("responses").path(declaredStatus));
    assertThat(declared.isObject()).as("%s declares %s (%s)", name, status, body).isTrue();
    seen.computeIfAbsent(name, n -> new TreeSet<>()).add(declaredStatus);

    declared
        .path("headers")
        .fields()
        .forEachRemaining(
            header -> {
              if (resolveRef(header.getValue()).path("required").asBoolean()) {
                assertThat(response.headers().firstValue(header.getKey()))
                    .as("%s %s header %s", name, status, header.getKey())
                    .isPresent();
              }
            });

    if (method.equals("HEAD")) {
      assertThat(response.body()).as(name).isEmpty();
      assertThat(declared.has("content")).as(name).isFalse();
      return;
    }
    String mediaType = mediaType(response);
    JsonNode schema = declared.path("content").path(mediaType).path("schema");
    assertThat(schema.isObject()).as("%s %s declares %s", name, status, mediaType).isTrue();
    // Prometheus' text format is no JSON: checked as the string it is.
    JsonNode value =
        mediaType.startsWith("text/")
            ? JSON.getNodeFactory().textNode(body)
            : JSON.readTree(response.body());
    assertThat(schemas.violations(value, schema, "$"))
        .as("%s %s: %s", name, status, body)
        .isEmpty();

    if (mediaType.equals(UploadApi.PROBLEM_MEDIA_TYPE)) {
      assertThat(value.path("status").asInt()).isEqualTo(response.statusCode());
      String type = value.path("type").asText();
      if (type.startsWith(PROBLEMS)) {
        assertThat(declared.path("description").asText())
            .as("%s %s names problem type %s", name, status, type)
            .contains("`" + type.substring(PROBLEMS.length()) + "`");
      } else {
        assertThat(type).isEqualTo("about:blank");
      }
    }
  }

  /** The documented path template a request path falls under; literal segments win. */
  private static String templateOf(String path) {
    String best = null;
    int bestLiterals = -1;
    for (Iterator<String> templates = document.path("paths").fieldNames(); templates.hasNext(); ) {
      String template = templates.next();
      String regex = Pattern.quote(template).replaceAll("\\{[^/}]+}", "\\\\E[^/]+\\\\Q");
      if (path.matches(regex)) {
        int literals = template.split("/").length - template.split("\\{").length + 1;
        if (literals > bestLiterals) {
          best = template;
          bestLiterals = literals;
        }
      }
    }
    assertThat(best).as("a documented path matches %s", path).isNotNull();
    return best;
  }

  // --- document helpers ---

  /** "METHOD /path" to the operation object. */
  private static Map<String, JsonNode> operations() {
    var operations = new TreeMap<String, JsonNode>();
    document
        .path("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fields()
                    .forEachRemaining(
                        operation -> {
                          if (HTTP_METHODS.contains(operation.getKey())) {
                            operations.put(
                                operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(),
                                operation.getValue());
                          }
                        }));
    return operations;
  }

  private static boolean isError(String status) {
    return status.equals("default") || status.compareTo("400") >= 0;
  }

  private static JsonNode resolveRef(JsonNode node) {
    return node.has("$ref") ? document.at(node.path("$ref").asText().substring(1)) : node;
  }

  private static void collectRefs(JsonNode node, Set<String> refs) {
    if (node.has("$ref")) {
      refs.add(node.path("$ref").asText());
    }
    node.elements().forEachRemaining(child -> collectRefs(child, refs));
  }

  /** Every schema the document holds: components' and those under a {@code schema} member. */
  private static void collectSchemas(List<JsonNode> roots) {
    document.path("components").path("schemas").elements().forEachRemaining(roots::add);
    collectSchemaMembers(document.path("paths"), roots);
    collectSchemaMembers(document.path("components").path("parameters"), roots);
    collectSchemaMembers(document.path("components").path("headers"), roots);
    collectSchemaMembers(document.path("components").path("responses"), roots);
  }

  private static void collectSchemaMembers(JsonNode node, List<JsonNode> roots) {
    node.fields()
        .forEachRemaining(
            member -> {
              if (member.getKey().equals("schema")) {
                roots.add(member.getValue());
              } else {
                collectSchemaMembers(member.getValue(), roots);
              }
            });
    if (node.isArray()) {
      node.elements().forEachRemaining(element -> collectSchemaMembers(element, roots));
    }
  }

  private static List<String> violations(String json, JsonNode schema) throws IOException {
    return schemas.violations(
        JSON.readTree(json.replace("%s", "01KAQ8Z6M3V7R5T2W9X4Y1B0C8")), schema, "$");
  }

  private static <T> List<T> iterable(Iterator<T> iterator) {
    var list = new ArrayList<T>();
    iterator.forEachRemaining(list::add);
    return list;
  }

  private static byte[] resourceBytes() throws IOException {
    try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream(OpenApiDocument.RESOURCE)) {
      assertThat(in).as(OpenApiDocument.RESOURCE).isNotNull();
      return in.readAllBytes();
    }
  }

  // --- HTTP helpers ---

  /** One request to build: with the API key unless told otherwise. */
  private static final class Call {
    private final UploadApi server;
    private final String method;
    private final String target;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private BodyPublisher body = BodyPublishers.noBody();
    private String key = KEY;

    Call(UploadApi server, String method, String target) {
      this.server = server;
      this.method = method;
      this.target = target;
    }

    Call anonymous() {
      key = null;
      return this;
    }

    Call key(String other) {
      key = other;
      return this;
    }

    Call header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    Call body(String contentType, byte[] content) {
      body = BodyPublishers.ofByteArray(content);
      return header("Content-Type", contentType);
    }

    /** A body of unknown length: sent chunked. */
    Call stream(InputStream content) {
      body = BodyPublishers.ofInputStream(() -> content);
      return header("Content-Type", "application/octet-stream");
    }

    Call stream(SubmissionPublisher<ByteBuffer> content) {
      body = BodyPublishers.fromPublisher(content);
      return header("Content-Type", "application/octet-stream");
    }

    HttpRequest build() {
      var request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + target))
              .timeout(Duration.ofSeconds(30))
              .method(method, body);
      headers.forEach(request::header);
      if (key != null) {
        request.header("Authorization", "Bearer " + key);
      }
      return request.build();
    }
  }

  private static Call call(UploadApi server, String method, String target) {
    return new Call(server, method, target);
  }

  private static Call post(UploadApi server, String target) {
    return new Call(server, "POST", target);
  }

  private static HttpResponse<byte[]> send(Call call) throws IOException, InterruptedException {
    return HTTP.send(call.build(), bytesHandler());
  }

  private static HttpResponse.BodyHandler<byte[]> bytesHandler() {
    return BodyHandlers.ofByteArray();
  }

  private static String mediaType(HttpResponse<?> response) {
    return response
        .headers()
        .firstValue("Content-Type")
        .orElse("")
        .split(";")[0]
        .strip()
        .toLowerCase(Locale.ROOT);
  }

  private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
    return JSON.readTree(response.body());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] declaration(String path, byte[] file) {
    return bytes(
        "{\"container\":\"web-1\",\"path\":\"%s\",\"mode\":\"0640\",\"size\":%d,\"sha256\":\"%s\"}"
            .formatted(path, file.length, sha256(file)));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The multipart upload id the fake object store put into a part URL's query. */
  private static String uploadIdIn(String partUrl) {
    Matcher id = Pattern.compile("uploadId=([^&]+)").matcher(partUrl);
    assertThat(id.find()).as(partUrl).isTrue();
    return id.group(1);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  // --- JSON Schema ---

  /**
   * The JSON Schema 2020-12 keywords this document uses, checked; any other keyword is refused
   * ({@link #requireKnownKeywords}), so adding one to the document means teaching it to this
   * checker first.
   */
  static final class SchemaChecker {

    private static final Set<String> ASSERTIONS =
        Set.of(
            "$ref",
            "type",
            "enum",
            "const",
            "anyOf",
            "oneOf",
            "allOf",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "pattern",
            "minLength",
            "maxLength",
            "minimum",
            "maximum",
            "format");
    private static final Set<String> ANNOTATIONS =
        Set.of("description", "title", "examples", "default", "contentMediaType", "deprecated");
    private static final Set<String> FORMATS = Set.of("date-time", "uri", "uri-reference");

    private final JsonNode document;

    SchemaChecker(JsonNode document) {
      this.document = document;
    }

    /** Fails on a keyword (at any depth) this checker does not enforce or know to ignore. */
    void requireKnownKeywords(JsonNode schema) {
      assertThat(schema.isObject()).as("a schema is an object: %s", schema).isTrue();
      schema
          .fieldNames()
          .forEachRemaining(
              keyword ->
                  assertThat(ASSERTIONS.contains(keyword) || ANNOTATIONS.contains(keyword))
                      .as("keyword %s in %s", keyword, schema)
                      .isTrue());
      if (schema.has("format")) {
        assertThat(FORMATS).contains(schema.path("format").asText());
      }
      subschemas(schema).forEach(this::requireKnownKeywords);
    }

    private static List<JsonNode> subschemas(JsonNode schema) {
      var children = new ArrayList<JsonNode>();
      schema.path("properties").elements().forEachRemaining(children::add);
      for (String keyword : List.of("anyOf", "oneOf", "allOf")) {
        schema.path(keyword).elements().forEachRemaining(children::add);
      }
      if (schema.path("items").isObject()) {
        children.add(schema.path("items"));
      }
      if (schema.path("additionalProperties").isObject()) {
        children.add(schema.path("additionalProperties"));
      }
      return children;
    }

    /** What is wrong with {@code value} under {@code schema}; empty when it conforms. */
    List<String> violations(JsonNode value, JsonNode schema, String at) {
      requireKnownKeywords(schema);
      var found = new ArrayList<String>();
      if (schema.has("$ref")) {
        found.addAll(violations(value, document.at(schema.path("$ref").asText().substring(1)), at));
      }
      if (schema.has("type") && !typeMatches(value, schema.path("type"))) {
        found.add(at + " is not " + schema.path("type") + ": " + value);
        return found;
      }
      if (schema.has("enum") && !contains(schema.path("enum"), value)) {
        found.add(at + " is not one of " + schema.path("enum") + ": " + value);
      }
      if (schema.has("const") && !schema.path("const").equals(value)) {
        found.add(at + " is not " + schema.path("const"));
      }
      combinations(value, schema, at, found);
      if (value.isObject()) {
        objectViolations(value, schema, at, found);
      }
      if (value.isArray()) {
        arrayViolations(value, schema, at, found);
      }
      if (value.isTextual()) {
        stringViolations(value.asText(), schema, at, found);
      }
      if (value.isNumber()) {
        if (schema.has("minimum")
            && value.decimalValue().compareTo(schema.path("minimum").decimalValue()) < 0) {
          found.add(at + " is below the minimum " + schema.path("minimum") + ": " + value);
        }
        if (schema.has("maximum")
            && value.decimalValue().compareTo(schema.path("maximum").decimalValue()) > 0) {
          found.add(at + " is above the maximum " + schema.path("maximum") + ": " + value);
        }
      }
      return found;
    }

    private void combinations(JsonNode value, JsonNode schema, String at, List<String> found) {
      for (JsonNode option : schema.path("allOf")) {
        found.addAll(violations(value, option, at));
      }
      if (schema.has("anyOf")) {
        long matching = count(value, schema.path("anyOf"), at);
        if (matching == 0) {
          found.add(at + " matches none of anyOf: " + value);
        }
      }
      if (schema.has("oneOf")) {
        long matching = count(value, schema.path("oneOf"), at);
        if (matching != 1) {
          found.add(at + " matches " + matching + " of oneOf: " + value);
        }
      }
    }

    private long count(JsonNode value, JsonNode options, String at) {
      long matching = 0;
      for (JsonNode option : options) {
        if (violations(value, option, at).isEmpty()) {
          matching++;
        }
      }
      return matching;
    }

    private void objectViolations(JsonNode value, JsonNode schema, String at, List<String> found) {
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          found.add(at + " lacks " + required.asText());
        }
      }
      value
          .fields()
          .forEachRemaining(
              member -> {
                String where = at + "." + member.getKey();
                JsonNode property = schema.path("properties").path(member.getKey());
                JsonNode additional = schema.path("additionalProperties");
                if (property.isObject()) {
                  found.addAll(violations(member.getValue(), property, where));
                } else if (additional.isObject()) {
                  found.addAll(violations(member.getValue(), additional, where));
                } else if (additional.isBoolean() && !additional.asBoolean()) {
                  found.add(at + " has undeclared member " + member.getKey());
                }
              });
    }

    private void arrayViolations(JsonNode value, JsonNode schema, String at, List<String> found) {
      if (schema.has("minItems") && value.size() < schema.path("minItems").asInt()) {
        found.add(at + " has fewer than " + schema.path("minItems") + " items");
      }
      if (schema.has("maxItems") && value.size() > schema.path("maxItems").asInt()) {
        found.add(at + " has more than " + schema.path("maxItems") + " items");
      }
      if (schema.path("items").isObject()) {
        for (int i = 0; i < value.size(); i++) {
          found.addAll(violations(value.get(i), schema.path("items"), at + "[" + i + "]"));
        }
      }
    }

    private static void stringViolations(
        String text, JsonNode schema, String at, List<String> found) {
      int length = text.codePointCount(0, text.length());
      if (schema.has("minLength") && length < schema.path("minLength").asInt()) {
        found.add(at + " is shorter than " + schema.path("minLength"));
      }
      if (schema.has("maxLength") && length > schema.path("maxLength").asInt()) {
        found.add(at + " is longer than " + schema.path("maxLength"));
      }
      // JSON Schema patterns are not anchored: find, not matches.
      if (schema.has("pattern")
          && !Pattern.compile(schema.path("pattern").asText()).matcher(text).find()) {
        found.add(at + " does not match pattern " + schema.path("pattern") + ": " + text);
      }
      if (schema.has("format") && !hasFormat(text, schema.path("format").asText())) {
        found.add(at + " is not a " + schema.path("format") + ": " + text);
      }
    }

    private static boolean hasFormat(String text, String format) {
      try {
        switch (format) {
          case "date-time":
            OffsetDateTime.parse(text);
            return true;
          case "uri":
            return new URI(text).isAbsolute();
          case "uri-reference":
            new URI(text);
            return true;
          default:
            throw new IllegalArgumentException("unchecked format " + format);
        }
      } catch (DateTimeParseException | URISyntaxException e) {
        return false;
      }
    }

    private static boolean typeMatches(JsonNode value, JsonNode type) {
      if (type.isArray()) {
        for (JsonNode one : type) {
          if (typeMatches(value, one)) {
            return true;
          }
        }
        return false;
      }
      return switch (type.asText()) {
        case "object" -> value.isObject();
        case "array" -> value.isArray();
        case "string" -> value.isTextual();
        case "integer" -> value.isIntegralNumber();
        case "number" -> value.isNumber();
        case "boolean" -> value.isBoolean();
        case "null" -> value.isNull();
        default -> throw new IllegalArgumentException("unknown type " + type);
      };
    }

    private static boolean contains(JsonNode options, JsonNode value) {
      for (JsonNode option : options) {
        if (option.equals(value)) {
          return true;
        }
      }
      return false;
    }
  }
}
