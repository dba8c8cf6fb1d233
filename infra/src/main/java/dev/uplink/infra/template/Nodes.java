package dev.uplink.infra.template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Walks the maps and lists a YAML document is made of. */
final class Nodes {

  private Nodes() {}

  /** {@code map}, whose keys must all be strings ({@code where} names it in the error). */
  static Map<String, Object> stringKeyed(Map<?, ?> map, String where) {
    var result = new LinkedHashMap<String, Object>();
    map.forEach(
        (key, value) -> {
          if (!(key instanceof String name)) {
            throw new IllegalArgumentException(
                "template.yaml: %s has a key that is not a string: %s".formatted(where, key));
          }
          result.put(name, value);
        });
    return result;
  }

  /** The value at a dotted {@code path} under {@code node}. */
  static Optional<Object> at(Object node, String path) {
    return at(node, List.of(path.split("\\.")));
  }

  /** The value at {@code path} under {@code node}, each step a map key. */
  static Optional<Object> at(Object node, List<String> path) {
    Object current = node;
    for (String step : path) {
      if (!(current instanceof Map<?, ?> map) || !map.containsKey(step)) {
        return Optional.empty();
      }
      current = map.get(step);
    }
    return Optional.ofNullable(current);
  }
}
