package dev.uplink.bench;

import dev.uplink.api.UploadServices;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.config.UplinkConfig;
import java.util.concurrent.CountDownLatch;

/**
 * Child process: the upload API alone (no poller), configured from the environment like any
 * deployment of it, on AWS clients of its own. Prints {@code BENCH-READY port=N}.
 */
public final class ApiMain {

  private ApiMain() {}

  public static void main(String[] args) throws InterruptedException {
    UplinkConfig config = UplinkConfig.fromEnvironment();
    UploadApi api =
        UploadApi.start(
            "127.0.0.1", config.port(), ApiSettings.from(config), UploadServices.onAws(config));
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  api.close();
                  stopped.countDown();
                }));
    System.out.println("BENCH-READY port=" + api.port());
    System.out.flush();
    stopped.await();
  }
}
