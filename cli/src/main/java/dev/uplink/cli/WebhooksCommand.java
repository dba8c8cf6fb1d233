package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink webhooks add|list|rm|deliveries}: where your task events are sent. */
@Command(
    name = "webhooks",
    mixinStandardHelpOptions = true,
    description = {
      "Webhooks: each status change of your tasks POSTed, signed, to your endpoints (Standard"
          + " Webhooks: webhook-id, webhook-timestamp, webhook-signature).",
    },
    commandListHeading = "%nCommands:%n",
    subcommands = {
      WebhooksCommand.Add.class,
      WebhooksCommand.ListEndpoints.class,
      WebhooksCommand.Remove.class,
      WebhooksCommand.Deliveries.class,
    })
final class WebhooksCommand implements Callable<Integer> {

  static final String PATH = "/v1/webhooks";
  private static final Pattern ID = Pattern.compile("wh_[0-9a-f]{24}");

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(), "a command is required: add, list, rm, deliveries");
  }

  static String webhookId(String id, CommandSpec command) {
    String stripped = id.strip();
    if (!ID.matcher(stripped).matches()) {
      throw new ParameterException(
          command.commandLine(), "not a webhook id (wh_ and 24 hex digits): " + stripped);
    }
    return stripped;
  }

  static String events(JsonNode endpoint) {
    var events = new ArrayList<String>();
    endpoint.path("events").forEach(e -> events.add(e.asText()));
    return events.isEmpty() ? "all events" : String.join(",", events);
  }

  /** {@code uplink webhooks add URL [--events upload.done,upload.failed]}. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Register URL for your task events and print its signing secret, this once: keep it now.",
        "URL must be https (the local stack also takes http to 127.0.0.1); private, loopback and"
            + " metadata addresses are refused.",
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:registered", "1:refused (e.g. the URL)", "2:usage error"})
  static final class Add implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "URL", description = "Where to POST the events.")
    private String url;

    @Option(
        names = "--events",
        split = ",",
        paramLabel = "TYPE",
        description =
            "Only these event types (upload.pending, upload.processing, upload.done,"
                + " upload.failed, upload.cancelled, upload.awaiting_upload); default all.")
    private List<String> events = List.of();

    @Mixin private OutputOptions output;
    @Mixin private ApiOptions api;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("url", url);
      if (!events.isEmpty()) {
        body.put("events", events);
      }
      JsonNode created = api.client().postJson(PATH, body, Map.of()).body();
      if (output.json()) {
        output.json(created);
        return 0;
      }
      output.lines(
          List.of(
              created.path("id").asText()
                  + "  "
                  + created.path("url").asText()
                  + "  "
                  + events(created),
              "secret: " + created.path("secret").asText() + "   (shown once: keep it now)"));
      return 0;
    }
  }

  /** {@code uplink webhooks list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Your webhook endpoints, oldest first (never their secrets).",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:listed", "1:failed", "2:usage error"})
  static final class ListEndpoints implements Callable<Integer> {

    @Mixin private OutputOptions output;
    @Mixin private ApiOptions api;

    @Override
    public Integer call() {
      JsonNode listing = api.client().get(PATH).body();
      if (output.json()) {
        output.json(listing);
        return 0;
      }
      var rows = new ArrayList<List<String>>();
      listing
          .path("items")
          .forEach(
              e ->
                  rows.add(
                      List.of(
                          e.path("id").asText(),
                          e.path("url").asText(),
                          events(e),
                          e.path("createdAt").asText())));
      output.lines(rows.isEmpty() ? List.of("no webhooks") : TextTable.of(rows, ""));
      return 0;
    }
  }

  /** {@code uplink webhooks rm ID}. */
  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description = "Delete a webhook endpoint: nothing more is sent to it, retries included.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:deleted", "1:failed (e.g. no such webhook)", "2:usage error"})
  static final class Remove implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The webhook's id (wh_...).")
    private String id;

    @Mixin private OutputOptions output;
    @Mixin private ApiOptions api;

    @Override
    public Integer call() {
      JsonNode deleted = api.client().delete(PATH + "/" + webhookId(id, spec)).body();
      if (output.json()) {
        output.json(deleted);
      } else {
        output.lines(List.of("deleted " + deleted.path("id").asText()));
      }
      return 0;
    }
  }

  /** {@code uplink webhooks deliveries ID [--limit N]}. */
  @Command(
      name = "deliveries",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description =
          "The latest delivery attempts to a webhook, newest first (kept three days): time,"
              + " event, attempt, outcome, duration.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:listed", "1:failed (e.g. no such webhook)", "2:usage error"})
  static final class Deliveries implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The webhook's id (wh_...).")
    private String id;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "100",
        description = "At most N attempts, 1 to 100 (default ${DEFAULT-VALUE}).")
    private int limit;

    @Mixin private OutputOptions output;
    @Mixin private ApiOptions api;

    @Override
    public Integer call() {
      if (limit < 1 || limit > 100) {
        throw new ParameterException(spec.commandLine(), "--limit must be 1 to 100");
      }
      JsonNode listing =
          api.client().get(PATH + "/" + webhookId(id, spec) + "/deliveries?limit=" + limit).body();
      if (output.json()) {
        output.json(listing);
        return 0;
      }
      var rows = new ArrayList<List<String>>();
      listing
          .path("items")
          .forEach(
              a ->
                  rows.add(
                      List.of(
                          a.path("at").asText(),
                          a.path("eventId").asText(),
                          a.path("eventType").asText(),
                          "#" + a.path("attempt").asInt(),
                          a.path("delivered").asBoolean()
                              ? "delivered " + a.path("statusCode").asInt()
                              : "failed: " + a.path("error").asText(),
                          a.path("durationMs").asLong() + " ms")));
      output.lines(rows.isEmpty() ? List.of("no deliveries yet") : TextTable.of(rows, ""));
      return 0;
    }
  }
}
