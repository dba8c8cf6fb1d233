package dev.uplink.core.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * A real moto server ({@code moto_server}, preinstalled in our machines' Python like cfn-lint) on a
 * free loopback port: Secrets Manager and SSM Parameter Store over their real wire protocols,
 * without Docker. {@link #require()} skips the test with the reason where moto is not installed,
 * except under {@code CI=true}, where it fails.
 *
 * <p>moto's account is {@value #ACCOUNT}; its credentials are not checked.
 */
public final class MotoServer implements AutoCloseable {

  public static final String ACCOUNT = "123456789012";
  public static final String REGION = "us-east-1";

  private final Process process;
  private final URI endpoint;
  private final SecretsManagerClient secretsManager;
  private final SsmClient ssm;

  private MotoServer(Process process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
    var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    this.secretsManager =
        SecretsManagerClient.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    this.ssm =
        SsmClient.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  /** A started server, or a skipped (under {@code CI=true}: failed) test saying why not. */
  public static MotoServer require() {
    String message;
    try {
      return start();
    } catch (IOException e) {
      message =
          "moto_server could not be started ("
              + e.getMessage()
              + "); it comes preinstalled with our machines' Python (pip moto)";
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true, so tests on moto must not skip. " + message);
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  private static MotoServer start() throws IOException {
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process =
        new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("moto_server exited with " + process.exitValue());
      }
      try (var socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new MotoServer(process, URI.create("http://127.0.0.1:" + port));
      } catch (IOException notYet) {
        sleep();
      }
    }
    stop(process);
    throw new IOException("moto_server did not listen on port " + port + " within 30 s");
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where Secrets Manager and SSM answer (one endpoint for both). */
  public URI endpoint() {
    return endpoint;
  }

  /** Creates a Secrets Manager secret holding {@code text}; returns its ARN. */
  public String createSecret(String name, String text) {
    return secretsManager.createSecret(r -> r.name(name).secretString(text)).arn();
  }

  /** Creates a Secrets Manager secret holding binary data; returns its ARN. */
  public String createBinarySecret(String name, byte[] data) {
    return secretsManager
        .createSecret(r -> r.name(name).secretBinary(SdkBytes.fromByteArray(data)))
        .arn();
  }

  /** Creates an SSM SecureString parameter (encrypted with moto's default key); returns its ARN. */
  public String putSecureString(String name, String text) {
    return putParameter(name, text, ParameterType.SECURE_STRING);
  }

  /** Creates a plain (unencrypted) SSM String parameter; returns its ARN. */
  public String putString(String name, String text) {
    return putParameter(name, text, ParameterType.STRING);
  }

  private String putParameter(String name, String text, ParameterType type) {
    ssm.putParameter(r -> r.name(name).value(text).type(type).overwrite(true));
    return ssm.getParameter(r -> r.name(name)).parameter().arn();
  }

  @Override
  public void close() {
    secretsManager.close();
    ssm.close();
    stop(process);
  }

  private static void stop(Process process) {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
