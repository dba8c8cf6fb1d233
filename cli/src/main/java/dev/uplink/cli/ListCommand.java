package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code uplink list [--status S] [--project P] [--container C] [--limit N]}: the caller's tasks,
 * newest first, following the API's pages ({@code nextCursor}, or the {@code Link: rel="next"}
 * header) until {@code --limit} tasks are shown or there are no more.
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"List your tasks, newest first."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "1:failed", "2:usage error"})
final class ListCommand implements Callable<Integer> {

  /** The most tasks the API returns per page. */
  static final int MAX_PAGE = 100;

  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");
  private static final Pattern CURSOR_PARAM = Pattern.compile("[?&]cursor=([^&]+)");

  @Spec private CommandSpec spec;

  @Option(
      names = "--status",
      paramLabel = "STATUS",
      description =
          "Only tasks in this status: AWAITING_UPLOAD, PENDING, PROCESSING, DONE, FAILED"
              + " or CANCELLED.")
  private String status;

  @Option(
      names = "--project",
      paramLabel = "PROJECT",
      description = "Only tasks for instances in this Incus project.")
  private String project;

  @Option(names = "--container", paramLabel = "NAME", description = "Only tasks for this instance.")
  private String container;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description =
          "Show at most N tasks (default: ${DEFAULT-VALUE}); pages are followed as needed.")
  private int limit;

  @Option(
      names = "--cursor",
      paramLabel = "CURSOR",
      description = "Start where an earlier listing stopped (its nextCursor).")
  private String cursor;

  @Mixin private OutputOptions output;
  @Mixin private ApiOptions api;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new ParameterException(spec.commandLine(), "--limit must be at least 1");
    }
    Optional<String> statusFilter = statusFilter();
    ApiClient client = api.client();
    List<JsonNode> items = new ArrayList<>();
    Optional<String> next = Optional.ofNullable(cursor).filter(c -> !c.isBlank());
    do {
      int page = Math.min(MAX_PAGE, limit - items.size());
      ApiClient.Response response = client.get(pageQuery(statusFilter, page, next));
      for (JsonNode item : response.body().path("items")) {
        if (items.size() < limit) {
          items.add(item);
        }
      }
      next = nextCursor(response);
    } while (next.isPresent() && items.size() < limit);

    if (output.json()) {
      ObjectNode body = Json.mapper().createObjectNode();
      ArrayNode array = body.putArray("items");
      items.forEach(array::add);
      body.put("nextCursor", next.orElse(null));
      output.json(body);
      return 0;
    }
    List<Task> tasks = items.stream().map(Task::of).toList();
    if (tasks.isEmpty()) {
      output.lines(List.of("No tasks."));
    } else {
      output.lines(TaskFormat.table(tasks));
    }
    next.ifPresent(
        c -> {
          output.err().println("uplink: more tasks: list again with --cursor " + c);
          output.err().flush();
        });
    return 0;
  }

  private Optional<String> statusFilter() {
    if (status == null || status.isBlank()) {
      return Optional.empty();
    }
    String upper = status.strip().toUpperCase(Locale.ROOT);
    if (!Task.STATUSES.contains(upper)) {
      throw new ParameterException(
          spec.commandLine(),
          "--status must be one of " + String.join(", ", Task.STATUSES) + ", got: " + status);
    }
    return Optional.of(upper);
  }

  private String pageQuery(Optional<String> statusFilter, int page, Optional<String> pageCursor) {
    var query = new StringBuilder(TaskPaths.UPLOADS).append("?limit=").append(page);
    statusFilter.ifPresent(s -> query.append("&status=").append(s));
    Optional.ofNullable(project)
        .filter(p -> !p.isBlank())
        .ifPresent(p -> query.append("&project=").append(encode(p)));
    Optional.ofNullable(container)
        .filter(c -> !c.isBlank())
        .ifPresent(c -> query.append("&container=").append(encode(c)));
    pageCursor.ifPresent(c -> query.append("&cursor=").append(encode(c)));
    return query.toString();
  }

  /**
   * Where the next page starts: the body's {@code nextCursor}, else the cursor in the {@code Link:
   * <…>; rel="next"} header; empty on the last page.
   */
  static Optional<String> nextCursor(ApiClient.Response response) {
    Optional<String> inBody = Json.text(response.body(), "nextCursor").filter(c -> !c.isBlank());
    if (inBody.isPresent()) {
      return inBody;
    }
    for (String link : response.headers().allValues("Link")) {
      Matcher next = NEXT_LINK.matcher(link);
      if (next.find()) {
        Matcher param = CURSOR_PARAM.matcher(next.group(1));
        if (param.find()) {
          return Optional.of(URLDecoder.decode(param.group(1), StandardCharsets.UTF_8));
        }
      }
    }
    return Optional.empty();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
