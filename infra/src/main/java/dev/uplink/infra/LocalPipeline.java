package dev.uplink.infra;

import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.poller.SqsPoller;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload API and the processor's poller running together in this JVM over one set of AWS
 * clients: what {@code ./uplink local} runs, and what the end-to-end tests drive.
 */
public final class LocalPipeline implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalPipeline.class);

  private final String host;
  private final UploadApi api;
  private final ProcessorWiring processor;
  private final SqsPoller poller;

  private LocalPipeline(String host, UploadApi api, ProcessorWiring processor, SqsPoller poller) {
    this.host = host;
    this.api = api;
    this.processor = processor;
    this.poller = poller;
  }

  /**
   * Starts the API on {@code host}:{@code config.port()} and a poller over the configured queue.
   * The caller keeps ownership of {@code clients}.
   */
  public static LocalPipeline start(UplinkConfig config, AwsClients clients, String host) {
    var processor = ProcessorWiring.create(config, clients);
    SqsPoller poller = null;
    try {
      poller = processor.poller();
      poller.start();
      var api =
          UploadApi.start(
              host, config.port(), config.apiKeys(), UploadServices.onAws(config, clients));
      return new LocalPipeline(host, api, processor, poller);
    } catch (RuntimeException e) {
      if (poller != null) {
        poller.close();
      }
      processor.close();
      throw e;
    }
  }

  /** Where the API listens, e.g. {@code http://127.0.0.1:8080}. */
  public URI baseUri() {
    String shown = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
    return URI.create("http://" + shown + ":" + api.port());
  }

  public int port() {
    return api.port();
  }

  /** Where the processor pushes files: Incus, or the local directory target. */
  public FileTarget target() {
    return processor.target();
  }

  /** Stops taking uploads first, then lets pushes in flight finish, then closes the target. */
  @Override
  public void close() {
    try {
      api.close();
    } finally {
      try {
        poller.close();
      } finally {
        processor.close();
        log.info("Pipeline stopped");
      }
    }
  }
}
