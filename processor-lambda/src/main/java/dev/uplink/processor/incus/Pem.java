package dev.uplink.processor.incus;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.PemSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. Keys may be PKCS#8 ({@code BEGIN
 * PRIVATE KEY}: EC, RSA or Ed25519), SEC1 ({@code BEGIN EC PRIVATE KEY}, with its named curve) or
 * PKCS#1 ({@code BEGIN RSA PRIVATE KEY}); encrypted keys are refused with a hint to convert them.
 */
public final class Pem {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  /** 1.2.840.10045.2.1 (id-ecPublicKey), DER-encoded with its tag. */
  private static final byte[] EC_PUBLIC_KEY_OID = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  /** 1.2.840.113549.1.1.1 (rsaEncryption) followed by NULL parameters. */
  private static final byte[] RSA_ENCRYPTION_OID = {
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private static final String CONVERT_HINT =
      "; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8";

  private Pem() {}

  /** Every certificate in a PEM file, in file order (leaf first for a chain). */
  public static List<X509Certificate> certificates(Path file) {
    return certificates(PemSource.file(file));
  }

  /** Every certificate in the PEM text, in order (leaf first for a chain). */
  public static List<X509Certificate> certificates(PemSource file) {
    byte[] bytes = read(file, "certificate");
    try {
      var factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> certs =
          factory.generateCertificates(new ByteArrayInputStream(bytes)).stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (certs.isEmpty()) {
        throw new ConfigException(file + " holds no PEM certificate");
      }
      return certs;
    } catch (CertificateException e) {
      throw new ConfigException(file + " is not a readable PEM certificate: " + e.getMessage(), e);
    }
  }

  /** The first certificate in a PEM file. */
  public static X509Certificate certificate(Path file) {
    return certificate(PemSource.file(file));
  }

  /** The first certificate in the PEM text. */
  public static X509Certificate certificate(PemSource file) {
    return certificates(file).get(0);
  }

  /** The private key in a PEM file. */
  public static PrivateKey privateKey(Path file) {
    return privateKey(PemSource.file(file));
  }

  /**
   * The private key in the PEM text. Messages name where it came from ({@code file}), never the
   * key.
   */
  public static PrivateKey privateKey(PemSource file) {
    String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      String body = m.group(2);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      if (type.startsWith("ENCRYPTED") || body.contains("ENCRYPTED")) {
        throw new ConfigException(file + " holds an encrypted private key" + CONVERT_HINT);
      }
      byte[] der = decode(file, body);
      return switch (type) {
        case "PRIVATE KEY" -> pkcs8(file, der);
        case "EC PRIVATE KEY" -> pkcs8(file, ecPkcs8FromSec1(file, der));
        case "RSA PRIVATE KEY" ->
            pkcs8(file, sequence(integerZero(), sequence(RSA_ENCRYPTION_OID), octetString(der)));
        default ->
            throw new ConfigException(file + ": unsupported key type " + type + CONVERT_HINT);
      };
    }
    throw new ConfigException(file + " holds no PEM private key");
  }

  /**
   * Checks that {@code key} belongs to {@code cert} by signing a random challenge, so a mismatched
   * pair is reported at startup rather than as an obscure TLS failure later.
   */
  static void requireMatchingPair(X509Certificate cert, PrivateKey key, Path certFile) {
    requireMatchingPair(cert, key, PemSource.file(certFile));
  }

  /** Like {@link #requireMatchingPair(X509Certificate, PrivateKey, Path)}, for any PEM origin. */
  static void requireMatchingPair(X509Certificate cert, PrivateKey key, PemSource certFile) {
    String algorithm =
        switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "ED25519", "EDDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return;
    }
    GeneralSecurityException failure = null;
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(challenge);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      failure = e; // reported below, as the cause
    }
    throw new ConfigException(
        "The private key does not belong to the certificate in " + certFile, failure);
  }

  private static PrivateKey pkcs8(PemSource file, byte[] der) {
    GeneralSecurityException last = null;
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        last = e; // try the next algorithm
      }
    }
    throw new ConfigException(
        file + " holds a private key that is neither EC, RSA nor Ed25519" + CONVERT_HINT, last);
  }

  /**
   * Wraps a SEC1 ECPrivateKey (RFC 5915: SEQUENCE { version, privateKey, [0] namedCurve, [1]
   * publicKey }) in a PKCS#8 PrivateKeyInfo, taking the curve from its [0] field.
   */
  private static byte[] ecPkcs8FromSec1(PemSource file, byte[] sec1) {
    try {
      var outer = new DerReader(sec1);
      var fields = new DerReader(outer.expect(0x30));
      fields.expect(0x02); // version
      fields.expect(0x04); // private key octets
      while (fields.hasMore()) {
        int tag = fields.peekTag();
        byte[] content = fields.expect(tag);
        if (tag == 0xa0) {
          byte[] curveOid = new DerReader(content).expectTlv(0x06);
          return sequence(integerZero(), sequence(EC_PUBLIC_KEY_OID, curveOid), octetString(sec1));
        }
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + " holds a malformed EC private key" + CONVERT_HINT, e);
    }
    throw new ConfigException(
        file + " holds an EC private key without a named curve" + CONVERT_HINT);
  }

  private static byte[] read(PemSource file, String what) {
    try {
      return file.bytes();
    } catch (IOException e) {
      throw new ConfigException("Cannot read the " + what + " file " + file + ": " + e, e);
    }
  }

  private static byte[] decode(PemSource file, String base64) {
    try {
      return Base64.getMimeDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + " holds a PEM block that is not valid base64", e);
    }
  }

  private static byte[] integerZero() {
    return new byte[] {0x02, 0x01, 0x00};
  }

  private static byte[] octetString(byte[] content) {
    return tlv(0x04, content);
  }

  private static byte[] sequence(byte[]... parts) {
    var out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return tlv(0x30, out.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    var out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  /** Just enough DER to walk a SEC1 key: single-byte tags, definite lengths. */
  private static final class DerReader {
    private final byte[] data;
    private int pos;

    DerReader(byte[] data) {
      this.data = data;
    }

    boolean hasMore() {
      return pos < data.length;
    }

    int peekTag() {
      require(pos < data.length);
      return data[pos] & 0xff;
    }

    /** The content of the next element, which must have {@code tag}. */
    byte[] expect(int tag) {
      return contentOf(expectTlv(tag));
    }

    /** The whole next element (tag, length and content), which must have {@code tag}. */
    byte[] expectTlv(int tag) {
      int start = pos;
      require(peekTag() == tag);
      pos++;
      require(pos < data.length);
      int length = data[pos++] & 0xff;
      if (length >= 0x80) {
        int count = length & 0x7f;
        require(count >= 1 && count <= 3);
        length = 0;
        for (int i = 0; i < count; i++) {
          require(pos < data.length);
          length = (length << 8) | (data[pos++] & 0xff);
        }
      }
      require(length >= 0 && pos + length <= data.length);
      pos += length;
      return java.util.Arrays.copyOfRange(data, start, pos);
    }

    private static byte[] contentOf(byte[] tlv) {
      int length = tlv[1] & 0xff;
      int header = length >= 0x80 ? 2 + (length & 0x7f) : 2;
      return java.util.Arrays.copyOfRange(tlv, header, tlv.length);
    }

    private static void require(boolean condition) {
      if (!condition) {
        throw new IllegalArgumentException("malformed DER");
      }
    }
  }
}
