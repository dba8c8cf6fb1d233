package dev.uplink.processor.incus;

import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly one server certificate: the presented leaf must be byte-for-byte the pinned one.
 * Nothing else is trusted, not even a certificate signed by a public CA.
 *
 * <p>Being an {@link X509ExtendedTrustManager}, it is also responsible for hostname checks (JSSE
 * only adds them around plain {@code X509TrustManager}s). Exact pinning replaces them, as in
 * Incus's own clients: Incus's self-signed certificate names the host ({@code root@host}), not the
 * address clients dial, and the pin already identifies the server more strictly than a name.
 */
final class PinnedServerTrustManager extends X509ExtendedTrustManager {

  /** Thrown during the handshake when the server presents another certificate. */
  static final class UntrustedCertificateException extends CertificateException {
    UntrustedCertificateException(String message) {
      super(message);
    }
  }

  private final X509Certificate pinned;
  private final byte[] pinnedEncoded;

  PinnedServerTrustManager(X509Certificate pinned) {
    this.pinned = pinned;
    try {
      this.pinnedEncoded = pinned.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode the pinned certificate", e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new UntrustedCertificateException("The server presented no certificate");
    }
    byte[] presented = chain[0].getEncoded();
    if (!Arrays.equals(presented, pinnedEncoded)) {
      throw new UntrustedCertificateException(
          "Untrusted server certificate: the server presented %s (SHA-256 %s), but the pinned certificate is %s (SHA-256 %s)"
              .formatted(
                  chain[0].getSubjectX500Principal().getName(),
                  sha256(presented),
                  pinned.getSubjectX500Principal().getName(),
                  sha256(pinnedEncoded)));
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("This trust manager only checks servers");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[] {pinned};
  }

  static String sha256(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
