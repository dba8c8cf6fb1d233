package dev.uplink.api.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The web page: {@code GET /} and the static files it loads from {@value #ASSETS}, read once from
 * the classpath ({@value #RESOURCES}). They are the only things served without an API key: the page
 * asks for the key and sends it with each API call itself, and no file holds anything secret.
 *
 * <p>Every answer carries a strict Content-Security-Policy (scripts, styles, images and workers
 * from this server only, no inline code, Trusted Types enforced; connections to this server and to
 * the object store's origins, where presigned uploads go), {@code nosniff}, no referrer and no
 * framing. The files have no content hash in their names (there is no build step), so they are sent
 * with {@code Cache-Control: no-cache} and a strong {@code ETag}: the browser keeps them and asks
 * each time, and an unchanged file costs a {@code 304}.
 */
final class WebPage {

  static final String INDEX = "/";
  static final String ASSETS = "/web/";
  static final String RESOURCES = "/dev/uplink/api/web/";

  /** The name of the Trusted Types policy the page creates (for its hashing worker's URL). */
  static final String TRUSTED_TYPES_POLICY = "uplink";

  /** Every file under {@value #ASSETS}; nothing else is served from there. */
  static final List<String> FILES =
      List.of(
          "index.html",
          "app.css",
          "app.js",
          "api.js",
          "dom.js",
          "format.js",
          "destination.js",
          "sha256.js",
          "hash-worker.js",
          "upload.js",
          "upload-view.js",
          "history-view.js",
          "operators-view.js",
          "icon.svg");

  private static final Map<String, String> MEDIA_TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "svg", "image/svg+xml");

  private record Asset(byte[] body, String mediaType, String etag) {}

  private final Map<String, Asset> assets;
  private final Map<String, String> headers;

  WebPage(List<String> browserUploadOrigins) {
    var loaded = new LinkedHashMap<String, Asset>();
    for (String file : FILES) {
      loaded.put(file, load(file));
    }
    this.assets = Map.copyOf(loaded);
    var common = new LinkedHashMap<String, String>();
    common.put("Content-Security-Policy", contentSecurityPolicy(browserUploadOrigins));
    common.put("X-Content-Type-Options", "nosniff");
    common.put("Referrer-Policy", "no-referrer");
    common.put("X-Frame-Options", "DENY");
    common.put("Cross-Origin-Opener-Policy", "same-origin");
    common.put("Cache-Control", "no-cache");
    this.headers = Map.copyOf(common);
  }

  /** Whether {@code path} belongs to the page, which needs no API key. */
  static boolean isPublic(String path) {
    return path.equals(INDEX) || path.startsWith(ASSETS);
  }

  /**
   * The policy: nothing but this server's files, no inline script or style, no {@code eval}, DOM
   * sinks only through Trusted Types (the page writes text, never HTML), and connections only to
   * this server and the object store.
   */
  static String contentSecurityPolicy(List<String> browserUploadOrigins) {
    String connect =
        Stream.concat(Stream.of("'self'"), browserUploadOrigins.stream())
            .collect(Collectors.joining(" "));
    return String.join(
        "; ",
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "worker-src 'self'",
        "connect-src " + connect,
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types " + TRUSTED_TYPES_POLICY);
  }

  /** {@code GET /}: the page itself. */
  void index(Context ctx) {
    send(ctx, assets.get("index.html"));
  }

  /** {@code GET /web/{file}}: one of {@link #FILES}; anything else is a 404. */
  void asset(Context ctx) {
    Asset asset = assets.get(ctx.pathParam("file"));
    if (asset == null) {
      throw ProblemException.notFound("No such file");
    }
    send(ctx, asset);
  }

  private void send(Context ctx, Asset asset) {
    headers.forEach(ctx::header);
    ctx.header("ETag", asset.etag());
    if (matches(ctx.header("If-None-Match"), asset.etag())) {
      ctx.status(304);
      return;
    }
    ctx.status(200).contentType(asset.mediaType()).result(asset.body());
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    return Arrays.stream(ifNoneMatch.split(","))
        .map(String::strip)
        .map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag)
        .anyMatch(tag -> tag.equals(etag) || tag.equals("*"));
  }

  private static Asset load(String file) {
    String resource = RESOURCES + file;
    try (InputStream in = WebPage.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the classpath");
      }
      byte[] body = in.readAllBytes();
      String extension = file.substring(file.lastIndexOf('.') + 1);
      String mediaType = MEDIA_TYPES.get(extension);
      if (mediaType == null) {
        throw new IllegalStateException("No media type for " + file);
      }
      return new Asset(body, mediaType, etag(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
