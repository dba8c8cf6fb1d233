package dev.uplink.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.TaskErrorCodes;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A task status is declared once, in {@link TaskStatus}, and an error code once, in {@link
 * TaskErrorCodes}: the OpenAPI document and the web page follow them, or this fails and says what
 * to add.
 */
@DisplayName("Every task status and error code is documented and has words on the web page")
class TaskVocabularyTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> statuses() {
    return Arrays.stream(TaskStatus.values()).map(Enum::name).toList();
  }

  @Test
  void theErrorCodesListHoldsEveryCodeTaskErrorDeclares() throws IllegalAccessException {
    var declared = new ArrayList<String>();
    for (Field field : TaskError.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        declared.add((String) field.get(null));
      }
    }

    assertThat(TaskErrorCodes.ALL).containsAll(declared).doesNotHaveDuplicates();
  }

  @Test
  void theDocumentsStatusEnumIsTaskStatusInOrder() throws IOException {
    JsonNode status = openApi().path("components").path("schemas").path("Status");

    assertThat(JSON.convertValue(status.path("enum"), List.class))
        .containsExactlyElementsOf(statuses());
    assertThat(status.path("description").asText())
        .as("the Status schema says what each one means")
        .contains(quoted(statuses()));
  }

  @Test
  void theDocumentsTaskStatusesSectionNamesEveryStatus() throws IOException {
    String description = openApi().path("info").path("description").asText();
    String section = description.substring(description.indexOf("## Task statuses"));

    assertThat(section.substring(0, section.indexOf("\n## ", 1))).contains(quoted(statuses()));
  }

  @Test
  void theDocumentListsEveryErrorCode() throws IOException {
    JsonNode code =
        openApi()
            .path("components")
            .path("schemas")
            .path("TaskError")
            .path("properties")
            .path("code");

    assertThat(code.path("description").asText()).contains(quoted(TaskErrorCodes.ALL));
  }

  @Test
  void theWebPageHasWordsForEveryStatusAndNoOther() throws IOException {
    assertThat(objectKeys(webAsset("format.js"), "STATUS_WORDS").keySet())
        .containsExactlyElementsOf(statuses());
  }

  @Test
  void theWebPageHasWordsForEveryErrorCode() throws IOException {
    assertThat(objectKeys(webAsset("format.js"), "ERROR_WORDS").keySet())
        .containsAll(TaskErrorCodes.ALL);
  }

  @Test
  void theHistoryFilterOffersEveryStatusInTheWebPagesWords() throws IOException {
    Map<String, String> words = objectKeys(webAsset("format.js"), "STATUS_WORDS");
    Matcher option =
        Pattern.compile("<option value=\"([A-Z_]+)\">([^<]+)</option>")
            .matcher(historyFilter(webAsset("index.html")));
    var offered = new LinkedHashMap<String, String>();
    while (option.find()) {
      offered.put(option.group(1), option.group(2));
    }

    assertThat(offered).containsExactlyEntriesOf(words);
  }

  @Test
  void theHistoryGivesEveryFinalStatusItsOwnTone() throws IOException {
    String history = webAsset("history-view.js");
    Matcher tones =
        Pattern.compile("function tone\\(status\\) \\{\\s*return \\{([^}]*)}").matcher(history);
    assertThat(tones.find()).as("history-view.js has a tone(status) map").isTrue();
    List<String> toned =
        Pattern.compile("([A-Z_]+):")
            .matcher(tones.group(1))
            .results()
            .map(m -> m.group(1))
            .toList();

    // The others (awaiting, queued, pushing) share the 'busy' tone: still under way.
    assertThat(toned)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(TaskStatus.values())
                .filter(TaskStatus::isTerminal)
                .map(Enum::name)
                .toList());
  }

  @Test
  void theUploadScreenStopsFollowingATaskAtEveryFinalStatusAndNoOther() throws IOException {
    Matcher finals =
        Pattern.compile("const FINAL = new Set\\(\\[([^]]*)]\\);").matcher(webAsset("upload.js"));
    assertThat(finals.find()).as("upload.js declares FINAL").isTrue();
    List<String> listed =
        Pattern.compile("'([A-Z_]+)'")
            .matcher(finals.group(1))
            .results()
            .map(m -> m.group(1))
            .toList();

    assertThat(listed)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(TaskStatus.values())
                .filter(TaskStatus::isTerminal)
                .map(Enum::name)
                .toList());
  }

  private static String[] quoted(List<String> names) {
    return names.stream().map(name -> "`" + name + "`").toArray(String[]::new);
  }

  private static JsonNode openApi() throws IOException {
    try (InputStream in = TaskVocabularyTest.class.getResourceAsStream(OpenApiDocument.RESOURCE)) {
      return JSON.readTree(in);
    }
  }

  private static String webAsset(String name) throws IOException {
    try (InputStream in = TaskVocabularyTest.class.getResourceAsStream(WebPage.RESOURCES + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The keys and string values of {@code const NAME = { KEY: 'words', ... };} in a script. */
  private static Map<String, String> objectKeys(String script, String name) {
    Matcher block =
        Pattern.compile("const " + name + " = \\{(.*?)\\n};", Pattern.DOTALL).matcher(script);
    assertThat(block.find()).as("the script declares " + name).isTrue();
    Matcher entry =
        Pattern.compile("(?m)^\\s*([A-Z_]+): '((?:[^'\\\\]|\\\\.)*)',").matcher(block.group(1));
    var entries = new LinkedHashMap<String, String>();
    while (entry.find()) {
      entries.put(entry.group(1), entry.group(2));
    }
    return entries;
  }

  private static String historyFilter(String html) {
    int start = html.indexOf("<select id=\"history-status\">");
    assertThat(start).as("index.html has the history's status filter").isNotNegative();
    return html.substring(start, html.indexOf("</select>", start));
  }
}
