package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys made by openssl in every format Pem accepts, and the ones it refuses. */
class PemTest {

  @TempDir Path dir;

  @Test
  void givenPkcs8EcKey_whenRead_thenEcKeyMatchingItsCertificate() {
    IncusTestEnvironment.selfSignedCertificate(dir, "ec");

    var key = Pem.privateKey(dir.resolve("ec.key"));

    assertThat(key.getAlgorithm()).isEqualTo("EC");
    Pem.requireMatchingPair(Pem.certificate(dir.resolve("ec.crt")), key, dir.resolve("ec.crt"));
  }

  @Test
  void givenSec1EcKey_whenRead_thenSameKeyAsPkcs8() {
    IncusTestEnvironment.selfSignedCertificate(dir, "ec");
    IncusTestEnvironment.openssl(dir, "ec", "-in", "ec.key", "-out", "sec1.key");

    var sec1 = Pem.privateKey(dir.resolve("sec1.key"));

    var pkcs8 = (ECPrivateKey) Pem.privateKey(dir.resolve("ec.key"));
    assertThat(((ECPrivateKey) sec1).getS()).isEqualTo(pkcs8.getS());
    assertThat(((ECPrivateKey) sec1).getParams().getCurve())
        .isEqualTo(pkcs8.getParams().getCurve());
  }

  @Test
  void givenPkcs1RsaKey_whenRead_thenRsaKey() {
    IncusTestEnvironment.openssl(dir, "genrsa", "-traditional", "-out", "rsa1.key", "2048");
    IncusTestEnvironment.openssl(
        dir, "pkcs8", "-topk8", "-nocrypt", "-in", "rsa1.key", "-out", "rsa8.key");

    var pkcs1 = Pem.privateKey(dir.resolve("rsa1.key"));

    assertThat(pkcs1.getAlgorithm()).isEqualTo("RSA");
    assertThat(pkcs1.getEncoded()).isEqualTo(Pem.privateKey(dir.resolve("rsa8.key")).getEncoded());
  }

  @Test
  void givenEncryptedKey_whenRead_thenClearErrorSayingHowToConvert() {
    IncusTestEnvironment.selfSignedCertificate(dir, "ec");
    IncusTestEnvironment.openssl(
        dir, "pkcs8", "-topk8", "-in", "ec.key", "-out", "enc.key", "-passout", "pass:secret");

    assertThatThrownBy(() -> Pem.privateKey(dir.resolve("enc.key")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("encrypted")
        .hasMessageContaining("openssl pkcs8");
  }

  @Test
  void givenKeyOfAnotherCertificate_whenPairChecked_thenClearError() {
    IncusTestEnvironment.selfSignedCertificate(dir, "one");
    IncusTestEnvironment.selfSignedCertificate(dir, "two");

    assertThatThrownBy(
            () ->
                Pem.requireMatchingPair(
                    Pem.certificate(dir.resolve("one.crt")),
                    Pem.privateKey(dir.resolve("two.key")),
                    dir.resolve("one.crt")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not belong");
  }

  @Test
  void givenFileWithoutPem_whenRead_thenClearError() throws Exception {
    Files.writeString(dir.resolve("junk.pem"), "hello");

    assertThatThrownBy(() -> Pem.privateKey(dir.resolve("junk.pem")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no PEM private key");
    assertThatThrownBy(() -> Pem.certificate(dir.resolve("junk.pem")))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void givenUnreadableFile_whenRead_thenTheErrorKeepsTheCause() {
    Path missing = dir.resolve("missing.pem");

    assertThatThrownBy(() -> Pem.certificate(missing))
        .isInstanceOf(ConfigException.class)
        .hasRootCauseInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThatThrownBy(() -> Pem.privateKey(missing))
        .isInstanceOf(ConfigException.class)
        .hasRootCauseInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void givenMalformedCertificate_whenRead_thenTheErrorKeepsTheCause() throws Exception {
    Files.writeString(
        dir.resolve("bad.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> Pem.certificate(dir.resolve("bad.crt")))
        .isInstanceOf(ConfigException.class)
        .hasCauseInstanceOf(java.security.cert.CertificateException.class);
  }

  @Test
  void givenKeyThatIsNotBase64_whenRead_thenTheErrorKeepsTheCause() throws Exception {
    Files.writeString(
        dir.resolve("bad.key"), "-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----\n");

    assertThatThrownBy(() -> Pem.privateKey(dir.resolve("bad.key")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid base64")
        .hasCauseInstanceOf(IllegalArgumentException.class);
  }
}
