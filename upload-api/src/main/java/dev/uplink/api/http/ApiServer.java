package dev.uplink.api.http;

import dev.uplink.api.UploadServices;
import dev.uplink.api.UploadSweeper;
import dev.uplink.core.config.ListenAddress;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.health.MetricsSource;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole upload API as a long-running server ({@code uplink api}), configured like the Lambda
 * functions ({@link UplinkConfig}): every route, the operators' endpoints, the web page, the probes
 * ({@code /readyz} checks the bucket, the work queue and the table), {@code /metrics} when given a
 * source, and the sweep of presigned uploads that the scheduled function does on AWS. It starts no
 * emulator: the AWS endpoints are whatever the configuration names.
 *
 * <p>{@link #close} stops it gracefully: no new request is taken, those in progress have {@code
 * UPLINK_SHUTDOWN_GRACE} to finish, then the sweeper stops and the clients close.
 */
public final class ApiServer implements AutoCloseable {

  /**
   * How often presigned uploads are swept. A self-hosted API receives no object-created events (on
   * AWS a function consumes them), so a client that uploaded but never called complete waits for
   * this.
   */
  public static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

  /** Objects a sweep may look at for a completion (every upload past its window is settled too). */
  static final int SWEEP_BATCH = 100;

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  private final ListenAddress listen;
  private final UploadApi api;
  private final UploadSweeper sweeper;
  private final UploadServices.Hosted services;

  private ApiServer(
      ListenAddress listen, UploadApi api, UploadSweeper sweeper, UploadServices.Hosted services) {
    this.listen = listen;
    this.api = api;
    this.sweeper = sweeper;
    this.services = services;
  }

  /**
   * Starts serving on {@code listen}.
   *
   * @param metrics what {@code /metrics} serves; empty: 404 there
   * @throws RuntimeException if the address cannot be bound (the clients are closed again)
   */
  public static ApiServer start(
      UplinkConfig config, ListenAddress listen, Optional<MetricsSource> metrics) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(metrics, "metrics");
    UploadServices.Hosted services = UploadServices.hostedOnAws(config);
    UploadSweeper sweeper = null;
    try {
      var settings =
          ApiSettings.from(config)
              .withProbes(new Probes(services.readiness(), metrics))
              .withOperators(services.operators());
      UploadApi api =
          UploadApi.start(
              listen.host(),
              listen.port(),
              settings,
              services.uploads(),
              config.processing().shutdownGrace());
      sweeper =
          UploadSweeper.start(
              services.uploads().direct().orElseThrow(), SWEEP_INTERVAL, SWEEP_BATCH);
      var server = new ApiServer(listen, api, sweeper, services);
      log.info(
          "Upload API listening on {} (bucket {}, queue {}, table {})",
          server.baseUri(),
          config.aws().bucket(),
          config.aws().queue(),
          config.aws().table());
      return server;
    } catch (RuntimeException e) {
      if (sweeper != null) {
        sweeper.close();
      }
      closeQuietly(services);
      throw e;
    }
  }

  /** Where it listens, e.g. {@code http://127.0.0.1:8080} (the actual port when 0 was asked). */
  public URI baseUri() {
    String host = listen.host();
    if (host.equals("0.0.0.0")) {
      host = ListenAddress.LOOPBACK;
    } else if (host.equals("::")) {
      host = "::1";
    }
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + api.port());
  }

  /**
   * Stops taking requests and lets those in progress finish (within the shutdown grace), then stops
   * the sweeper and closes the clients.
   */
  @Override
  public void close() {
    try {
      api.close();
    } finally {
      sweeper.close();
      closeQuietly(services);
      log.info("Upload API stopped");
    }
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      log.warn("Closing the AWS clients failed", e);
    }
  }
}
