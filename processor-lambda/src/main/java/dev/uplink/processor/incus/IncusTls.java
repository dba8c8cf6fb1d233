package dev.uplink.processor.incus;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.IncusSettings;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Builds the TLS context for Incus: our client certificate, and only the pinned server. The one
 * place this is done: the processor's {@link IncusConnector}, the tests and the benchmark harness
 * all use it.
 */
public final class IncusTls {

  private IncusTls() {}

  /**
   * A context that presents {@code settings}' client certificate and trusts exactly its pinned
   * server certificate.
   *
   * @throws ConfigException when the certificates or the key cannot be read or do not match
   */
  public static SSLContext context(IncusSettings settings) {
    List<X509Certificate> clientChain = Pem.certificates(settings.clientCert());
    PrivateKey clientKey = Pem.privateKey(settings.clientKey());
    Pem.requireMatchingPair(clientChain.get(0), clientKey, settings.clientCert());
    X509Certificate pinned = Pem.certificate(settings.serverCert());
    try {
      char[] password = "uplink-in-memory".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", clientKey, password, clientChain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      // Incus accepts TLS 1.3 only; the JDK's default client protocols include it.
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          kmf.getKeyManagers(), new TrustManager[] {new PinnedServerTrustManager(pinned)}, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new ConfigException("Cannot set up TLS for Incus at " + settings.url() + ": " + e, e);
    }
  }
}
