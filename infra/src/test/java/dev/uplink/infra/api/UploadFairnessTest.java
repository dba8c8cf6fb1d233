package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.BOB;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Upload slots are shared fairly: one owner holding slots with uploads that trickle in never takes
 * them all, so another owner's upload goes through. Against the API on real sockets, with plain
 * {@link Socket}s for the trickling uploads.
 */
class UploadFairnessTest {

  private static final int SLOTS = 4;
  private static final int BODY = 512 * 1024;

  @RegisterExtension
  static final ApiFixture api =
      ApiFixture.create(ApiFixture.limits(java.time.Duration.ofMinutes(15)), SLOTS);

  @Test
  void givenOneOwnerTricklingOnEverySlot_whenAnotherOwnerUploads_thenItIsAccepted()
      throws Exception {
    List<Socket> trickling = new ArrayList<>();
    try {
      for (int i = 0; i < SLOTS; i++) {
        trickling.add(startUpload(ALICE, "/srv/trickle-" + i));
      }
      Thread.sleep(1000); // every one of them is dispatched by now

      var bobs =
          api.upload(BOB, "web-1", "/srv/bob.bin", BodyPublishers.ofString("bob's"), Map.of());

      assertThat(expect(bobs, 202).path("status").asText()).isEqualTo("PENDING");
      // Alice may hold half of the slots: the others were refused at once.
      int refused = 0;
      for (Socket socket : trickling) {
        socket.setSoTimeout(500);
        String status = statusLineOrNothing(socket);
        if (status != null) {
          assertThat(status).isEqualTo("HTTP/1.1 429");
          refused++;
        }
      }
      assertThat(refused).as("alice's uploads past her share").isEqualTo(SLOTS / 2);
      var aliceAgain =
          api.upload(ALICE, "web-1", "/srv/more.bin", BodyPublishers.ofString("x"), Map.of());
      assertThat(problem(aliceAgain, 429, "too-many-uploads").path("detail").asText())
          .as("alice's share is taken")
          .contains("2 of this server's 4");
    } finally {
      for (Socket socket : trickling) {
        socket.close();
      }
    }
  }

  /** Headers and the first 1 KiB of a {@link #BODY}-byte upload, on a socket of its own. */
  private static Socket startUpload(String key, String path) throws IOException {
    var socket = new Socket(InetAddress.getLoopbackAddress(), api.api.port());
    var out = socket.getOutputStream();
    out.write(
        ("POST /v1/uploads?container=web-1&path="
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + key
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + BODY
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(new byte[1024]);
    out.flush();
    return socket;
  }

  /** The status line if the server answered within the socket's timeout, else null. */
  private static String statusLineOrNothing(Socket socket) throws IOException {
    try {
      return new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
    } catch (SocketTimeoutException e) {
      return null;
    }
  }
}
