package dev.uplink.api.http;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.InvalidDestinationException;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The destination fields of one request, gathered from every place a client may put them: query
 * parameters, {@code X-*} headers and (for multipart) form fields sent before the file part.
 *
 * <p>Precedence: there is none. A field may appear in several places only with the same value; two
 * different values (also a repeated query parameter or header) are a 400 naming the field, so a
 * proxy-added header can never silently redirect a file. Blank values count as absent.
 */
final class DestinationFields {

  /** Field name to the header that may carry it. */
  static final Map<String, String> HEADERS;

  static {
    var headers = new LinkedHashMap<String, String>();
    headers.put("project", "X-Project-Name");
    headers.put("container", "X-Container-Name");
    headers.put("path", "X-File-Path");
    headers.put("mode", "X-File-Mode");
    headers.put("uid", "X-File-Uid");
    headers.put("gid", "X-File-Gid");
    HEADERS = Collections.unmodifiableMap(headers);
  }

  private final Map<String, String> values = new HashMap<>();
  private final Map<String, String> origins = new HashMap<>();

  /** The fields the query string and headers carry. */
  static DestinationFields of(Context ctx) {
    var fields = new DestinationFields();
    for (var field : HEADERS.entrySet()) {
      for (String value : ctx.queryParams(field.getKey())) {
        fields.add(field.getKey(), value, "query parameter '" + field.getKey() + "'");
      }
      var headerValues = ctx.req().getHeaders(field.getValue());
      while (headerValues != null && headerValues.hasMoreElements()) {
        fields.add(field.getKey(), headerValues.nextElement(), "header " + field.getValue());
      }
    }
    return fields;
  }

  static boolean isField(String name) {
    return HEADERS.containsKey(name);
  }

  /**
   * Adds one occurrence of a field.
   *
   * @throws InvalidDestinationException if the field already has a different value
   */
  void add(String field, String value, String origin) {
    if (value == null || value.isBlank()) {
      return;
    }
    String previous = values.putIfAbsent(field, value);
    if (previous == null) {
      origins.put(field, origin);
    } else if (!previous.equals(value)) {
      throw new InvalidDestinationException(
          field,
          "is given twice with different values (in "
              + origins.get(field)
              + " and in "
              + origin
              + ")");
    }
  }

  /**
   * The destination these fields describe.
   *
   * @throws InvalidDestinationException naming the first missing or invalid field
   */
  Destination toDestination() {
    return Destination.parse(
        values.get("container"),
        values.get("project"),
        values.get("path"),
        values.get("mode"),
        values.get("uid"),
        values.get("gid"));
  }
}
