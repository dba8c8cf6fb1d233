package dev.uplink.core.aws;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads the attributes of one item of {@code table}; a required one that is missing or of the wrong
 * type is an {@link IllegalStateException} naming the table, the item and the attribute (a
 * malformed item is a defect, not an outage).
 */
record ItemReader(String table, Map<String, AttributeValue> item) {

  String text(String name) {
    String value = attribute(name).s();
    if (value == null) {
      throw malformed(name, "is not a string");
    }
    return value;
  }

  /** The text, or empty if the item has no such attribute. */
  Optional<String> optionalText(String name) {
    return item.containsKey(name) ? Optional.of(text(name)) : Optional.empty();
  }

  /** The timestamp, or empty if the item has no such attribute. */
  Optional<Instant> instant(String name) {
    return optionalText(name).map(Instant::parse);
  }

  long number(String name) {
    String value = attribute(name).n();
    if (value == null) {
      throw malformed(name, "is not a number");
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw malformed(name, "is not a whole number: " + value);
    }
  }

  private AttributeValue attribute(String name) {
    AttributeValue value = item.get(name);
    if (value == null) {
      throw malformed(name, "is missing");
    }
    return value;
  }

  private IllegalStateException malformed(String name, String problem) {
    AttributeValue id = item.get(TaskTable.ID);
    return new IllegalStateException(
        "Task item %s in table %s is malformed: attribute %s %s"
            .formatted(id == null ? "(no id)" : id.s(), table, name, problem));
  }
}
