package dev.uplink.infra.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.incus.Pem;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Counts completed file pushes per path, as incusd itself reports them: its lifecycle event {@code
 * instance-file-pushed} (on {@code /1.0/events?type=lifecycle}, a WebSocket). Independent of the
 * processor's own logs, so it proves "pushed exactly once" from the server's side.
 *
 * <p>Observed on Incus 6.0.4 (2026-11-22): a push over the REST API emits one event when its body
 * has been written; a push whose client is SIGKILLed mid-body emits none (and leaves a truncated
 * file). Directory creation ({@code X-Incus-type: directory}) emits an event too, under the
 * directory's path: count only the file paths you care about. The events are not replayed: while
 * incusd is down, or before {@link #connect()}, nothing is counted.
 */
final class IncusPushEvents implements AutoCloseable {

  static final String PUSHED = "instance-file-pushed";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final IncusTestEnvironment incus;
  private final HttpClient http;
  private final Map<String, AtomicLong> pushes = new ConcurrentHashMap<>();
  private final AtomicLong events = new AtomicLong();
  private volatile long lastEventNanos = System.nanoTime();
  private volatile WebSocket socket;
  private volatile Throwable lastError;

  IncusPushEvents(IncusTestEnvironment incus) {
    this.incus = incus;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .sslContext(tlsContext(incus))
            .build();
  }

  /** Subscribes (again, after an incusd restart); returns once the WebSocket is open. */
  IncusPushEvents connect() {
    URI uri =
        URI.create(
            "wss://%s:%d/1.0/events?type=lifecycle"
                .formatted(
                    incus.url().getHost(),
                    incus.url().getPort() > 0 ? incus.url().getPort() : 8443));
    try {
      socket =
          http.newWebSocketBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .buildAsync(uri, new Listener())
              .get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot subscribe to incusd's events at " + uri, e);
    }
    return this;
  }

  /** Whether the subscription is open (it closes when incusd stops). */
  boolean connected() {
    WebSocket current = socket;
    return current != null && !current.isInputClosed();
  }

  /** Completed pushes of {@code path} into the test instance seen so far. */
  long pushesOf(String path) {
    AtomicLong count = pushes.get(path);
    return count == null ? 0 : count.get();
  }

  /** Every push event seen, any path (directories included). */
  long totalEvents() {
    return events.get();
  }

  Throwable lastError() {
    return lastError;
  }

  /**
   * Waits until no event arrived for {@code quiet} (events trail the HTTP answers slightly), at
   * most {@code max}.
   */
  void awaitQuiet(Duration quiet, Duration max) {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end && System.nanoTime() - lastEventNanos < quiet.toNanos()) {
      ChaosSupport.sleep(Duration.ofMillis(100));
    }
  }

  @Override
  public void close() {
    WebSocket current = socket;
    if (current != null) {
      current.abort();
    }
    http.close();
  }

  private void record(String text) {
    try {
      JsonNode event = JSON.readTree(text);
      JsonNode metadata = event.path("metadata");
      if ("lifecycle".equals(event.path("type").asText())
          && PUSHED.equals(metadata.path("action").asText())
          && incus.instance().equals(metadata.path("name").asText())) {
        String path = metadata.path("context").path("path").asText();
        pushes.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
        events.incrementAndGet();
        lastEventNanos = System.nanoTime();
      }
    } catch (IOException e) {
      lastError = e;
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        record(text);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(
        WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      lastError = error;
    }
  }

  /** Our trusted client certificate, and exactly the pinned server certificate (no hostname). */
  private static SSLContext tlsContext(IncusTestEnvironment incus) {
    List<X509Certificate> chain = Pem.certificates(incus.clientCert());
    PrivateKey key = Pem.privateKey(incus.clientKey());
    X509Certificate pinned = Pem.certificate(incus.serverCert());
    try {
      char[] password = "chaos".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), new TrustManager[] {new Pinned(pinned)}, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("Cannot set up TLS for " + incus.url(), e);
    }
  }

  private static final class Pinned extends X509ExtendedTrustManager {
    private final byte[] pinned;

    Pinned(X509Certificate certificate) throws GeneralSecurityException {
      this.pinned = certificate.getEncoded();
    }

    private void check(X509Certificate[] chain) throws CertificateException {
      if (chain == null || chain.length == 0 || !Arrays.equals(chain[0].getEncoded(), pinned)) {
        throw new CertificateException("not the pinned incusd certificate");
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
