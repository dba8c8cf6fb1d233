package dev.uplink.api.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A response as any transport delivers it.
 *
 * @param status the HTTP status
 * @param headers every header's values, by name (looked up ignoring case)
 * @param body the body's bytes, decoded from whatever the transport used (base64 for Lambda)
 */
public record ContractResponse(int status, Map<String, List<String>> headers, byte[] body) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ContractResponse {
    var byName = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) ->
            byName.merge(
                name.toLowerCase(Locale.ROOT), List.copyOf(values), ContractResponse::concat));
    headers = byName;
    body = body.clone();
  }

  /**
   * The header's values joined with {@code ", "} as one field would carry them (the Lambda
   * transport joins repeated headers that way, a socket may send them apart).
   */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty()
        ? Optional.empty()
        : Optional.of(String.join(", ", values));
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }

  public JsonNode json() {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON (status " + status + "): " + text(), e);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
