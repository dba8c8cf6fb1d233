package dev.uplink.processor.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.FailureClassifier;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.InstanceNotFoundException;
import dev.uplink.processor.PathNotFoundException;
import dev.uplink.processor.ProjectNotFoundException;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.TargetErrorException;
import dev.uplink.processor.TargetForbiddenException;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.UntrustedServerException;
import dev.uplink.processor.incus.sftp.SftpAttributes;
import dev.uplink.processor.incus.sftp.SftpException;
import dev.uplink.processor.incus.sftp.SftpSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for one Incus server's file access, over its SFTP endpoint ({@code GET
 * /1.0/instances/NAME/sftp}, upgraded): the same protocol over HTTPS (our client certificate, the
 * pinned server certificate) or over the local unix socket.
 *
 * <p>Pushes are atomic ({@link AtomicPush}): a staging file next to the destination, mode and owner
 * set on it, its size and the caller's integrity check verified, then renamed over the destination.
 * Sessions are kept in a {@link SftpSessionPool} per instance (project and name) and reused; each
 * is used by one push at a time. Compared with the REST file API this is one session for many files
 * instead of several requests per file, and Incus's REST API writes files in place, visibly
 * half-written.
 *
 * <p>Every call that names an instance names its project ({@code ?project=}), the default one
 * included: an instance is always looked up where the destination says, never wherever the server's
 * default happens to be.
 *
 * <p>The client is thread-safe.
 */
public final class IncusClient implements FileTarget, AutoCloseable {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** How long any single answer may take: a request or a window of writes. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** How long an unused session is kept open. */
  public static final Duration SESSION_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** Mode of the parent directories a push creates (owned like the file, as incus file push -p). */
  public static final int DIRECTORY_MODE = 0755;

  private static final int MAX_IDLE_SESSIONS_PER_INSTANCE = 64;

  private static final Logger log = LoggerFactory.getLogger(IncusClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final IncusConnector connector;
  private final SftpSessionPool sessions;

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
    this.connector = new IncusConnector(settings, connectTimeout, requestTimeout);
    this.sessions =
        new SftpSessionPool(
            this::openSession,
            SESSION_IDLE_TIMEOUT,
            MAX_IDLE_SESSIONS_PER_INSTANCE,
            System::nanoTime);
  }

  /** The Incus server's URL. */
  public String url() {
    return connector.url();
  }

  /** The Incus server's host and port (or socket): one per-host cap for all it pushes. */
  @Override
  public String host(Destination destination) {
    return connector.authority();
  }

  /**
   * Puts the file in place atomically, with exactly its mode and owner. An existing directory or
   * symbolic link at the destination is refused (permanently): a rename would replace the link
   * itself, not the file it points to.
   */
  @Override
  public void push(PushRequest request) throws PushException {
    Destination destination = request.destination();
    IncusInstance instance = IncusInstance.of(destination);
    var op = new Op("push", instance, destination.path());
    SftpSessionPool.Lease lease = sessions.borrow(instance);
    try {
      var push = new AtomicPush(lease.session(), request);
      Optional<SftpAttributes> existing;
      try {
        existing = push.inspectDestination();
      } catch (IOException e) {
        if (!lease.reused()
            || e instanceof SftpException
            || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        // An idle session the server dropped: nothing was done yet, so start on a fresh one.
        lease = sessions.reopen(lease);
        push = new AtomicPush(lease.session(), request);
        existing = push.inspectDestination();
      }
      push.run(existing);
    } catch (IOException e) {
      throw failure(e, op);
    } finally {
      sessions.giveBack(lease);
    }
  }

  /**
   * What Incus reports about {@code path} (not following a symbolic link), or empty if there is
   * nothing there.
   *
   * @throws InstanceNotFoundException if the instance does not exist
   */
  public Optional<IncusFileInfo> stat(IncusInstance instance, String path) throws PushException {
    return withSession(
        new Op("stat", instance, path), sftp -> sftp.lstat(path).map(IncusClient::fileInfo));
  }

  /**
   * Opens a file in the instance for reading; the caller closes the stream.
   *
   * @throws PathNotFoundException if there is no such file
   */
  public InputStream openFile(IncusInstance instance, String path) throws PushException {
    var op = new Op("read", instance, path);
    SftpSessionPool.Lease lease = sessions.borrow(instance);
    try {
      byte[] handle = lease.session().open(path, SftpSession.OPEN_READ, SftpAttributes.NONE);
      return new SftpFileInputStream(lease, handle, path, sessions);
    } catch (IOException e) {
      sessions.giveBack(lease);
      throw failure(e, op);
    }
  }

  /** Reads a whole file from the instance. Meant for small files and tests. */
  public byte[] readFile(IncusInstance instance, String path) throws PushException {
    try (InputStream in = openFile(instance, path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw failure(e, new Op("read", instance, path));
    }
  }

  /**
   * The names in a directory of the instance.
   *
   * @throws PathNotFoundException if there is no such directory
   */
  public List<String> listDirectory(IncusInstance instance, String path) throws PushException {
    return withSession(new Op("list", instance, path), sftp -> sftp.list(path));
  }

  /** Deletes a file, a symbolic link or an empty directory in the instance. */
  public void delete(IncusInstance instance, String path) throws PushException {
    withSession(
        new Op("delete", instance, path),
        sftp -> {
          Optional<SftpAttributes> info = sftp.lstat(path);
          if (info.isPresent() && info.get().isDirectory()) {
            sftp.rmdir(path);
          } else {
            sftp.remove(path);
          }
          return null;
        });
  }

  /** Creates one directory (its parent must exist), with exactly this mode and owner. */
  public void createDirectory(IncusInstance instance, String path, int mode, long uid, long gid)
      throws PushException {
    withSession(
        new Op("create directory", instance, path),
        sftp -> {
          sftp.mkdir(path, SftpAttributes.mode(mode));
          sftp.setstat(path, SftpAttributes.owner(uid, gid));
          sftp.setstat(path, SftpAttributes.mode(mode));
          return null;
        });
  }

  // The same, for an instance of the default project (tests, benchmarks and tools name it so).

  /** {@link #stat(IncusInstance, String)} in the default project. */
  public Optional<IncusFileInfo> stat(String instance, String path) throws PushException {
    return stat(IncusInstance.of(instance), path);
  }

  /** {@link #openFile(IncusInstance, String)} in the default project. */
  public InputStream openFile(String instance, String path) throws PushException {
    return openFile(IncusInstance.of(instance), path);
  }

  /** {@link #readFile(IncusInstance, String)} in the default project. */
  public byte[] readFile(String instance, String path) throws PushException {
    return readFile(IncusInstance.of(instance), path);
  }

  /** {@link #listDirectory(IncusInstance, String)} in the default project. */
  public List<String> listDirectory(String instance, String path) throws PushException {
    return listDirectory(IncusInstance.of(instance), path);
  }

  /** {@link #delete(IncusInstance, String)} in the default project. */
  public void delete(String instance, String path) throws PushException {
    delete(IncusInstance.of(instance), path);
  }

  /** {@link #createDirectory(IncusInstance, String, int, long, long)} in the default project. */
  public void createDirectory(String instance, String path, int mode, long uid, long gid)
      throws PushException {
    createDirectory(IncusInstance.of(instance), path, mode, uid, gid);
  }

  /** {@code GET /1.0} answers, and says our client certificate (or socket user) is trusted. */
  @Override
  public void checkReady() throws PushException {
    var op = new Op("check", IncusInstance.of("server"), "/1.0");
    IncusConnector.Answer answer;
    try {
      answer = connector.get("/1.0");
    } catch (IOException e) {
      throw connectionFailure(e, op);
    }
    if (answer.status() / 100 != 2) {
      throw failure(answer.status(), answer.body(), op);
    }
    String auth;
    try {
      auth = JSON.readTree(answer.body()).path("metadata").path("auth").asText("");
    } catch (IOException e) {
      throw new TargetErrorException(
          answer.status(), "unreadable answer", "Incus sent an unreadable /1.0", false);
    }
    if (!auth.equals("trusted")) {
      throw new TargetForbiddenException(
          403, "Incus at " + url() + " does not trust our client certificate (auth: " + auth + ")");
    }
  }

  /** How many sessions wait idle in the pool. */
  int idleSessions() {
    return sessions.idleCount();
  }

  /** Closes the idle sessions; sessions in use close when they come back. */
  @Override
  public void close() {
    sessions.close();
    connector.close();
  }

  // --- sessions ---------------------------------------------------------------------------------

  private interface SessionCall<T> {
    T apply(SftpSession sftp) throws IOException, PushException;
  }

  private <T> T withSession(Op op, SessionCall<T> call) throws PushException {
    SftpSessionPool.Lease lease = sessions.borrow(op.instance());
    try {
      return call.apply(lease.session());
    } catch (IOException e) {
      throw failure(e, op);
    } finally {
      sessions.giveBack(lease);
    }
  }

  /** Upgrades a new connection to SFTP for {@code instance}, in its project. */
  private SftpSession openSession(IncusInstance instance) throws PushException {
    var op = new Op("open a file session into", instance, "");
    IncusConnector.Upgrade upgrade;
    try {
      upgrade =
          connector.upgrade(
              "/1.0/instances/"
                  + encode(instance.name())
                  + "/sftp?project="
                  + encode(instance.project()),
              "sftp");
    } catch (IOException e) {
      throw connectionFailure(e, op);
    }
    if (upgrade.connection().isEmpty()) {
      throw failure(upgrade.answer().status(), upgrade.answer().body(), op);
    }
    IncusConnector.Connection connection = upgrade.connection().get();
    try {
      SftpSession session = SftpSession.start(connection.in(), connection.out(), connection);
      log.debug("Opened an SFTP session into {} at {}", instance, url());
      return session;
    } catch (IOException e) {
      connection.close();
      throw connectionFailure(e, op);
    }
  }

  // --- errors -----------------------------------------------------------------------------------

  /** An SFTP refusal (the session still works) or a broken connection. */
  private PushException failure(IOException e, Op op) {
    if (!(e instanceof SftpException refusal)) {
      return connectionFailure(e, op);
    }
    String reason =
        refusal.serverMessage().isBlank() ? refusal.getMessage() : refusal.serverMessage();
    String message = "Incus could not %s %s: %s".formatted(op.action(), op.target(), reason);
    if (refusal.isNoSuchFile()) {
      return new PathNotFoundException(op.path(), message);
    }
    boolean permanent =
        refusal.status() == SftpException.PERMISSION_DENIED
            || refusal.status() == SftpException.OP_UNSUPPORTED
            || FailureClassifier.isPermanentRefusal(reasonAlone(refusal.serverMessage()));
    return new TargetErrorException(PushException.INCUS_ERROR, message, permanent, e);
  }

  /**
   * The filesystem's reason in an SFTP server's message, without the path before it: Incus's server
   * (Go's pkg/sftp) says {@code open /srv/a.txt: file name too long}, and the path may hold any
   * words.
   */
  static String reasonAlone(String serverMessage) {
    int colon = serverMessage.lastIndexOf(": ");
    return colon < 0 ? serverMessage : serverMessage.substring(colon + 2);
  }

  /** Turns an Incus HTTP error answer into the typed exception, keeping Incus's own reason. */
  private PushException failure(int status, byte[] body, Op op) {
    String reason = incusError(body).orElse("no error text");
    String message =
        "Incus could not %s %s: %s (HTTP %d)".formatted(op.action(), op.target(), reason, status);
    String lower = reason.toLowerCase(Locale.ROOT);
    if (status == 404 && lower.contains("instance not found")) {
      return new InstanceNotFoundException(
          op.instance().name(),
          // Incus's reason names the project: "... in project \"default\": Instance not found".
          "Incus has no instance \"%s\": %s (HTTP 404)".formatted(op.instance().name(), reason));
    }
    if (status == 404 && lower.contains("project not found")) {
      // incusd 6.0 answers a missing project so, before it looks for the instance.
      return new ProjectNotFoundException(
          op.instance().project(),
          "Incus has no project \"%s\" (looking for instance \"%s\"): %s (HTTP 404)"
              .formatted(op.instance().project(), op.instance().name(), reason));
    }
    if (status == 401 || status == 403) {
      return new TargetForbiddenException(
          status,
          "Incus at %s refused our client certificate: %s (HTTP %d)"
              .formatted(url(), reason, status));
    }
    if (status == 408 || status == 429 || status / 100 == 5) {
      return new TargetUnavailableException(status, message);
    }
    return new TargetErrorException(status, reason, message, true);
  }

  private PushException connectionFailure(IOException e, Op op) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof PinnedServerTrustManager.UntrustedCertificateException) {
        return new UntrustedServerException(
            "Incus at %s: %s; nothing was sent".formatted(url(), t.getMessage()), e);
      }
    }
    String what;
    if (e instanceof SocketTimeoutException) {
      what = "no answer in time";
    } else if (e instanceof ConnectException) {
      what = "cannot connect (" + Objects.toString(e.getMessage(), "connection refused") + ")";
    } else if (e instanceof InterruptedIOException
        || e instanceof java.nio.channels.ClosedByInterruptException) {
      what = "interrupted";
    } else {
      what = e.toString();
    }
    return new TargetUnavailableException(
        "Incus at %s is unavailable (%s %s): %s".formatted(url(), op.action(), op.target(), what),
        e);
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

  private static IncusFileInfo fileInfo(SftpAttributes attributes) {
    String type =
        attributes.isDirectory() ? "directory" : attributes.isSymbolicLink() ? "symlink" : "file";
    return new IncusFileInfo(
        type,
        attributes.mode(),
        attributes.uid().orElse(0),
        attributes.gid().orElse(0),
        attributes.isRegularFile() ? attributes.size() : OptionalLong.empty());
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** What was being done, for messages. */
  private record Op(String action, IncusInstance instance, String path) {
    String target() {
      String name =
          instance.project().equals(Destination.DEFAULT_PROJECT)
              ? instance.name()
              : instance.name() + " (project " + instance.project() + ")";
      return path.isEmpty() ? "instance " + name : name + ":" + path;
    }
  }
}
