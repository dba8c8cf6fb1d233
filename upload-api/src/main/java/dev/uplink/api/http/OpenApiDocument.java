package dev.uplink.api.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI 3.1 description of this API, {@code openapi.json} on the classpath, served without
 * authentication at {@value #PATH}. A test checks it against the route table.
 */
final class OpenApiDocument {

  static final String PATH = "/openapi.json";
  static final String RESOURCE = "/dev/uplink/api/openapi.json";

  private static final byte[] DOCUMENT = load();

  private OpenApiDocument() {}

  static void serve(Context ctx) {
    ctx.status(200).contentType("application/json").result(DOCUMENT);
  }

  static byte[] bytes() {
    return DOCUMENT.clone();
  }

  private static byte[] load() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
