package dev.uplink.processor.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.InstanceNotFoundException;
import dev.uplink.processor.IntegrityMismatchException;
import dev.uplink.processor.PathNotFoundException;
import dev.uplink.processor.PushException;
import dev.uplink.processor.TargetErrorException;
import dev.uplink.processor.TargetForbiddenException;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.TrackedInputStream;
import dev.uplink.processor.UntrustedServerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for the Incus REST API's file endpoints, on {@code java.net.http} alone.
 *
 * <p>Mutual TLS: we present our client certificate, and trust exactly the pinned server certificate
 * ({@link PinnedServerTrustManager}). One {@link HttpClient} (HTTP/1.1, kept-alive connections) is
 * shared by every call; the client is thread-safe.
 *
 * <p>A push streams the file (memory stays bounded whatever its size) with a known {@code
 * Content-Length} and {@code Content-Type: application/octet-stream}: with a form content type,
 * Incus writes an empty file. Incus never creates parent directories, and a streamed body cannot be
 * replayed, so the missing parents are created first, outermost first, like {@code incus file push
 * -p}.
 */
public final class IncusClient implements FileTarget, AutoCloseable {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** Mode of the parent directories a push creates (owned like the file, as incus file push -p). */
  public static final int DIRECTORY_MODE = 0755;

  /** A push may take its request timeout plus one second per MiB: slower than that is a hang. */
  private static final long MIN_PUSH_BYTES_PER_SECOND = 1L << 20;

  private static final int MAX_ERROR_BODY = 64 * 1024;

  /** What a push reads from its source per buffer it hands the HttpClient (see its publisher). */
  static final int CHUNK_BYTES = 256 * 1024;

  private static final String OCTET_STREAM = "application/octet-stream";

  /** Incus answers 500 for these filesystem refusals; trying again cannot change them. */
  private static final List<String> PERMANENT_SERVER_ERRORS =
      List.of(
          "is a directory",
          "not a directory",
          "permission denied",
          "read-only file system",
          "file name too long");

  private static final Logger log = LoggerFactory.getLogger(IncusClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final HttpClient http;
  private final Duration requestTimeout;

  /**
   * Reads the certificates and key and prepares the connection (nothing is sent yet).
   *
   * @throws dev.uplink.core.config.ConfigException if a file is unreadable or malformed, or the key
   *     does not belong to the client certificate
   */
  public IncusClient(IncusSettings settings) {
    this(settings, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
  }

  public IncusClient(IncusSettings settings, Duration connectTimeout, Duration requestTimeout) {
    Objects.requireNonNull(settings, "settings");
    this.baseUrl = stripTrailingSlash(settings.url().toString());
    this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(IncusTls.context(settings))
            .build();
  }

  /** The Incus server's base URL. */
  public String url() {
    return baseUrl;
  }

  /**
   * Pushes {@code size} bytes into the instance at {@code destination}, with its mode and owner.
   *
   * <p>Incus applies mode and owner only when it creates a file, so an existing file whose mode or
   * owner differs is deleted first; otherwise a file pushed as 0600 over an old 0644 file would
   * stay world-readable. After the push, the size Incus reports is checked. Incus writes in place,
   * so a push that fails midway removes the partial file (best effort).
   */
  @Override
  public void push(Destination destination, InputStream content, long size) throws PushException {
    String instance = destination.instance();
    String path = destination.path();
    Optional<IncusFileInfo> existing = head(instance, path, "push");
    if (existing.isPresent()) {
      IncusFileInfo info = existing.get();
      if (info.isDirectory()) {
        throw new TargetErrorException(
            409,
            "is a directory",
            "Incus could not push %s:%s: the path is a directory".formatted(instance, path),
            true);
      }
      if (info.isFile()
          && (info.mode() != destination.mode()
              || info.uid() != destination.uid()
              || info.gid() != destination.gid())) {
        log.debug(
            "Replacing {}:{} (mode {} uid {} gid {}) to apply mode {} uid {} gid {}",
            instance,
            path,
            info.octalMode(),
            info.uid(),
            info.gid(),
            destination.octalMode(),
            destination.uid(),
            destination.gid());
        delete(instance, path);
      }
    } else {
      createMissingParents(destination);
    }
    upload(destination, new TrackedInputStream(content), size);
    verifySize(destination, size);
  }

  /**
   * Incus writes in place: a push whose body breaks off leaves a truncated file under the final
   * name (seen on 6.0). Remove it, best effort, so no one mistakes it for the real file; the retry
   * writes it again.
   */
  private void removePartialFile(Destination destination, PushException cause) {
    try {
      delete(destination.instance(), destination.path());
      log.info(
          "Removed the partial file {}:{} after a failed push ({})",
          destination.instance(),
          destination.path(),
          cause.code());
    } catch (PushException e) {
      log.debug(
          "Could not remove {}:{}: {}", destination.instance(), destination.path(), e.getMessage());
    }
  }

  @Override
  public OptionalLong sizeOf(Destination destination) throws PushException {
    Optional<IncusFileInfo> info = stat(destination.instance(), destination.path());
    return info.isPresent() && info.get().isFile() ? info.get().size() : OptionalLong.empty();
  }

  /** The Incus server's host and port: one per-host cap for everything this client pushes. */
  @Override
  public String host(Destination destination) {
    return URI.create(baseUrl).getAuthority();
  }

  /**
   * What Incus reports about {@code path} ({@code HEAD}), or empty if there is nothing there.
   *
   * @throws InstanceNotFoundException if the instance does not exist
   */
  public Optional<IncusFileInfo> stat(String instance, String path) throws PushException {
    Optional<IncusFileInfo> info = head(instance, path, "stat");
    if (info.isEmpty()) {
      requireInstance(instance);
    }
    return info;
  }

  /**
   * Opens a file in the instance for reading ({@code GET}); the caller closes the stream.
   *
   * @throws PathNotFoundException if there is no such file
   */
  public InputStream openFile(String instance, String path) throws PushException {
    var op = new Op("read", instance, path);
    HttpResponse<InputStream> response =
        send(request(filesUri(instance, path)).GET().build(), BodyHandlers.ofInputStream(), op);
    if (response.statusCode() / 100 != 2) {
      byte[] body = readErrorBody(response.body());
      throw failure(response.statusCode(), body, op);
    }
    return response.body();
  }

  /** Reads a whole file from the instance. Meant for small files and tests. */
  public byte[] readFile(String instance, String path) throws PushException {
    try (InputStream in = openFile(instance, path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new TargetUnavailableException(
          "Reading %s:%s from Incus at %s failed: %s".formatted(instance, path, baseUrl, e), e);
    }
  }

  /**
   * The names in a directory of the instance.
   *
   * @throws PathNotFoundException if there is no such directory
   */
  public List<String> listDirectory(String instance, String path) throws PushException {
    var op = new Op("list", instance, path);
    HttpResponse<byte[]> response =
        send(request(filesUri(instance, path)).GET().build(), BodyHandlers.ofByteArray(), op);
    requireSuccess(response, op);
    if (!fileInfo(response.headers()).isDirectory()) {
      throw new TargetErrorException(
          409,
          "not a directory",
          "Incus could not list %s:%s: not a directory".formatted(instance, path),
          true);
    }
    List<String> names = new ArrayList<>();
    try {
      JSON.readTree(response.body()).path("metadata").forEach(n -> names.add(n.asText()));
    } catch (IOException e) {
      throw new TargetErrorException(
          200, "unreadable listing", "Incus sent an unreadable listing of " + path, false);
    }
    return names;
  }

  /** {@code GET /1.0} answers, and says our client certificate is trusted. */
  @Override
  public void checkReady() throws PushException {
    var op = new Op("check", "server", "/1.0");
    HttpResponse<byte[]> response =
        send(request(URI.create(baseUrl + "/1.0")).GET().build(), BodyHandlers.ofByteArray(), op);
    requireSuccess(response, op);
    String auth;
    try {
      auth = JSON.readTree(response.body()).path("metadata").path("auth").asText("");
    } catch (IOException e) {
      throw new TargetErrorException(
          response.statusCode(), "unreadable answer", "Incus sent an unreadable /1.0", false);
    }
    if (!auth.equals("trusted")) {
      throw new TargetForbiddenException(
          403,
          "Incus at " + baseUrl + " does not trust our client certificate (auth: " + auth + ")");
    }
  }

  /** Deletes a file or an empty directory in the instance. */
  public void delete(String instance, String path) throws PushException {
    var op = new Op("delete", instance, path);
    HttpResponse<byte[]> response =
        send(request(filesUri(instance, path)).DELETE().build(), BodyHandlers.ofByteArray(), op);
    requireSuccess(response, op);
  }

  /** Creates one directory (its parent must exist); an existing directory is left unchanged. */
  public void createDirectory(String instance, String path, int mode, long uid, long gid)
      throws PushException {
    var op = new Op("create directory", instance, path);
    HttpRequest request =
        request(filesUri(instance, path))
            .header("Content-Type", OCTET_STREAM)
            .header("X-Incus-type", "directory")
            .header("X-Incus-mode", String.format("%04o", mode))
            .header("X-Incus-uid", Long.toString(uid))
            .header("X-Incus-gid", Long.toString(gid))
            .POST(BodyPublishers.noBody())
            .build();
    requireSuccess(send(request, BodyHandlers.ofByteArray(), op), op);
  }

  @Override
  public void close() {
    http.close();
  }

  // --- push steps ---------------------------------------------------------------------------

  /**
   * Finds the deepest existing parent (probing inward-out), then creates the missing ones outermost
   * first.
   */
  private void createMissingParents(Destination destination) throws PushException {
    String instance = destination.instance();
    List<String> parents = destination.parentDirectories();
    int firstMissing = parents.size();
    for (int i = parents.size() - 1; i >= 0; i--) {
      Optional<IncusFileInfo> info = probeDirectory(instance, parents.get(i));
      if (info.isPresent()) {
        if (info.get().isFile()) {
          throw new TargetErrorException(
              409,
              "not a directory",
              "Incus could not push %s:%s: %s is a file, not a directory"
                  .formatted(instance, destination.path(), parents.get(i)),
              true);
        }
        break;
      }
      firstMissing = i;
    }
    List<String> created = new ArrayList<>();
    for (String dir : parents.subList(firstMissing, parents.size())) {
      try {
        createDirectory(instance, dir, DIRECTORY_MODE, destination.uid(), destination.gid());
      } catch (PushException e) {
        // Two pushes into one new directory race to create it; Incus answers the loser with an
        // error ("file exists"), which is success as long as a directory is there now.
        if (!probeDirectory(instance, dir).map(info -> !info.isFile()).orElse(false)) {
          throw e;
        }
      }
      created.add(dir);
    }
    if (!created.isEmpty()) {
      log.debug("Created {} in {}", created, instance);
    }
  }

  /**
   * A directory's metadata, or empty on "Not Found". Asked with {@code HEAD}: a {@code GET} makes
   * Incus list the directory, which grows with every file pushed into it (2,000 small files into
   * one directory ran at 74 pushes/s, against 400/s for bare POSTs). Only a {@code HEAD} that finds
   * nothing is asked again with {@code GET}, whose error body tells a missing instance from a
   * missing path.
   */
  private Optional<IncusFileInfo> probeDirectory(String instance, String path)
      throws PushException {
    Optional<IncusFileInfo> info = head(instance, path, "push");
    return info.isPresent() ? info : listDirectoryOrEmpty(instance, path);
  }

  /** A directory's metadata via GET (its listing is discarded), or empty on "Not Found". */
  private Optional<IncusFileInfo> listDirectoryOrEmpty(String instance, String path)
      throws PushException {
    var op = new Op("push", instance, path);
    HttpResponse<InputStream> response =
        send(request(filesUri(instance, path)).GET().build(), BodyHandlers.ofInputStream(), op);
    int status = response.statusCode();
    try (InputStream body = response.body()) {
      if (status / 100 == 2) {
        IncusFileInfo info = fileInfo(response.headers());
        if (info.isDirectory()) {
          body.transferTo(
              OutputStream.nullOutputStream()); // small JSON listing: keep the connection
        }
        return Optional.of(info); // a file's content is not read: closing drops the connection
      }
      byte[] error = readErrorBody(body);
      PushException failure = failure(status, error, op);
      if (failure instanceof PathNotFoundException) {
        return Optional.empty();
      }
      throw failure;
    } catch (IOException e) {
      throw connectionFailure(e, op);
    }
  }

  private void upload(Destination destination, TrackedInputStream tracked, long size)
      throws PushException {
    var op = new Op("push", destination.instance(), destination.path());
    HttpRequest request =
        request(filesUri(destination.instance(), destination.path()))
            .timeout(requestTimeout.plusSeconds(size / MIN_PUSH_BYTES_PER_SECOND))
            .header("Content-Type", OCTET_STREAM)
            .header("X-Incus-type", "file")
            .header("X-Incus-mode", destination.octalMode())
            .header("X-Incus-uid", Long.toString(destination.uid()))
            .header("X-Incus-gid", Long.toString(destination.gid()))
            .header("X-Incus-write", "overwrite")
            .POST(body(tracked, size))
            .build();
    long started = System.nanoTime();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, BodyHandlers.ofByteArray());
    } catch (IOException e) {
      // The body broke off (source or connection): Incus may have written part of it.
      PushException failure =
          tracked.sourceProblem(size).map(PushException.class::cast).orElse(null);
      if (failure == null) {
        failure = connectionFailure(e, op);
      }
      if (tracked.count() > 0 && !(failure instanceof UntrustedServerException)) {
        removePartialFile(destination, failure);
      }
      throw failure;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TargetUnavailableException("Interrupted while pushing to Incus", e);
    }
    requireSuccess(response, op);
    if (log.isDebugEnabled()) {
      double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
      log.debug(
          "Pushed {} bytes to {}:{} in {} s ({} MB/s)",
          size,
          destination.instance(),
          destination.path(),
          String.format(Locale.ROOT, "%.3f", seconds),
          String.format(Locale.ROOT, "%.1f", size / seconds / 1e6));
    }
  }

  /**
   * Streams exactly {@code size} bytes with a known Content-Length ({@code fromPublisher} wants a
   * positive length, so an empty file is sent as an empty body), in chunks of {@link #CHUNK_BYTES}.
   */
  private static HttpRequest.BodyPublisher body(TrackedInputStream tracked, long size) {
    if (size == 0) {
      return BodyPublishers.noBody();
    }
    return BodyPublishers.fromPublisher(new InputStreamPublisher(tracked, CHUNK_BYTES), size);
  }

  private void verifySize(Destination destination, long size) throws PushException {
    Optional<IncusFileInfo> after = head(destination.instance(), destination.path(), "push");
    OptionalLong stored = after.map(IncusFileInfo::size).orElse(OptionalLong.empty());
    if (after.isEmpty() || (stored.isPresent() && stored.getAsLong() != size)) {
      var failure =
          new IntegrityMismatchException(
              "Incus accepted the push of %s:%s but then reports %s instead of %d bytes"
                  .formatted(
                      destination.instance(),
                      destination.path(),
                      after.isEmpty() ? "no file" : stored.getAsLong() + " bytes",
                      size));
      if (after.isPresent()) {
        removePartialFile(destination, failure);
      }
      throw failure;
    }
  }

  private void requireInstance(String instance) throws PushException {
    var op = new Op("stat", instance, "");
    URI uri = URI.create(baseUrl + "/1.0/instances/" + encode(instance));
    requireSuccess(send(request(uri).GET().build(), BodyHandlers.ofByteArray(), op), op);
  }

  // --- HTTP plumbing ------------------------------------------------------------------------

  /** HEAD: metadata without content. Empty on 404 (Incus sends no body, so not for instances). */
  private Optional<IncusFileInfo> head(String instance, String path, String action)
      throws PushException {
    var op = new Op(action, instance, path);
    HttpRequest request =
        request(filesUri(instance, path)).method("HEAD", BodyPublishers.noBody()).build();
    HttpResponse<Void> response = send(request, BodyHandlers.discarding(), op);
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() / 100 != 2) {
      // A HEAD answer has no body, so no reason text: ask again with GET to get Incus's error.
      return getInsteadOfHead(op);
    }
    return Optional.of(fileInfo(response.headers()));
  }

  private Optional<IncusFileInfo> getInsteadOfHead(Op op) throws PushException {
    HttpResponse<InputStream> response =
        send(
            request(filesUri(op.instance(), op.path())).GET().build(),
            BodyHandlers.ofInputStream(),
            op);
    if (response.statusCode() / 100 == 2) {
      try (InputStream ignored = response.body()) {
        return Optional.of(fileInfo(response.headers())); // recovered meanwhile; content unread
      } catch (IOException e) {
        return Optional.of(fileInfo(response.headers()));
      }
    }
    PushException failure = failure(response.statusCode(), readErrorBody(response.body()), op);
    if (failure instanceof PathNotFoundException) {
      return Optional.empty();
    }
    throw failure;
  }

  private HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(requestTimeout);
  }

  private URI filesUri(String instance, String path) {
    return URI.create(
        baseUrl + "/1.0/instances/" + encode(instance) + "/files?path=" + encode(path));
  }

  private <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler, Op op)
      throws PushException {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw connectionFailure(e, op);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TargetUnavailableException("Interrupted while waiting for Incus at " + baseUrl, e);
    }
  }

  private void requireSuccess(HttpResponse<byte[]> response, Op op) throws PushException {
    if (response.statusCode() / 100 != 2) {
      throw failure(response.statusCode(), response.body(), op);
    }
  }

  /** Turns an Incus error answer into the typed exception, keeping Incus's own reason text. */
  private PushException failure(int status, byte[] body, Op op) {
    String reason = incusError(body).orElse("no error text");
    String message =
        "Incus could not %s %s: %s (HTTP %d)".formatted(op.action(), op.target(), reason, status);
    String lower = reason.toLowerCase(Locale.ROOT);
    if (status == 404 && lower.contains("instance not found")) {
      return new InstanceNotFoundException(
          op.instance(),
          "Incus has no instance \"%s\": %s (HTTP 404)".formatted(op.instance(), reason));
    }
    if (status == 404 && (lower.equals("not found") || lower.equals("no error text"))) {
      return new PathNotFoundException(op.path(), message);
    }
    if (status == 401 || status == 403) {
      return new TargetForbiddenException(
          status,
          "Incus at %s refused our client certificate: %s (HTTP %d)"
              .formatted(baseUrl, reason, status));
    }
    if (status == 408 || status == 429 || status == 502 || status == 503 || status == 504) {
      return new TargetUnavailableException(status, message);
    }
    if (status / 100 == 5) {
      boolean permanent = PERMANENT_SERVER_ERRORS.stream().anyMatch(lower::contains);
      return permanent
          ? new TargetErrorException(status, reason, message, true)
          : new TargetUnavailableException(status, message);
    }
    return new TargetErrorException(status, reason, message, true);
  }

  private PushException connectionFailure(IOException e, Op op) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof PinnedServerTrustManager.UntrustedCertificateException) {
        return new UntrustedServerException(
            "Incus at %s: %s; nothing was sent".formatted(baseUrl, t.getMessage()), e);
      }
    }
    String what;
    if (e instanceof HttpConnectTimeoutException) {
      what = "connecting timed out";
    } else if (e instanceof HttpTimeoutException) {
      what = "no answer in time";
    } else if (e instanceof ConnectException) {
      what = "cannot connect (" + Objects.toString(e.getMessage(), "connection refused") + ")";
    } else {
      what = e.toString();
    }
    return new TargetUnavailableException(
        "Incus at %s is unavailable (%s %s): %s".formatted(baseUrl, op.action(), op.target(), what),
        e);
  }

  private static IncusFileInfo fileInfo(HttpHeaders headers) {
    return new IncusFileInfo(
        headers.firstValue("X-Incus-type").orElse("file"),
        headers.firstValue("X-Incus-mode").map(m -> Integer.parseInt(m, 8)).orElse(0),
        headers.firstValue("X-Incus-uid").map(Long::parseLong).orElse(0L),
        headers.firstValue("X-Incus-gid").map(Long::parseLong).orElse(0L),
        "file".equals(headers.firstValue("X-Incus-type").orElse("file"))
            ? headers.firstValueAsLong("Content-Length")
            : OptionalLong.empty());
  }

  /** Incus's {@code error} field, or the start of a non-JSON body. */
  static Optional<String> incusError(byte[] body) {
    if (body == null || body.length == 0) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.path("error").isTextual() && !node.get("error").asText().isBlank()) {
        return Optional.of(node.get("error").asText());
      }
    } catch (IOException e) {
      // not JSON: fall through
    }
    String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
    return text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  private static byte[] readErrorBody(InputStream body) {
    try (body) {
      return body.readNBytes(MAX_ERROR_BODY);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String stripTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** What was being done, for messages. */
  private record Op(String action, String instance, String path) {
    String target() {
      return path.isEmpty() ? "instance " + instance : instance + ":" + path;
    }
  }
}
