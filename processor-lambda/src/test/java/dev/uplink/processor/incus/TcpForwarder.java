package dev.uplink.processor.incus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on a loopback port: every connection to it is joined to a new connection to the
 * target. It stands for the network path to a server that a test breaks and mends: while none runs
 * on the port, connections are refused; {@link #close()} also cuts the connections open through it
 * (a client's kept-alive connection must not outlive the outage).
 */
public final class TcpForwarder implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private TcpForwarder(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** A loopback port nothing listens on now (a later bind may still find it taken, rarely). */
  public static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Forwards 127.0.0.1:{@code port} to {@code target} until closed. */
  public static TcpForwarder start(int port, InetSocketAddress target) throws IOException {
    var server = new ServerSocket();
    // The port may hold connections in TIME_WAIT from an earlier forwarder on it.
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    var forwarder = new TcpForwarder(server, target);
    Thread.ofVirtual().name("forwarder-" + port).start(forwarder::acceptLoop);
    return forwarder;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        open.add(client);
        Thread.ofVirtual().start(() -> join(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void join(Socket client) {
    try (client;
        var upstream = new Socket()) {
      open.add(upstream);
      upstream.connect(target, 5_000);
      Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client));
      pipe(client, upstream);
      back.join();
    } catch (IOException e) {
      // the target refused, or one side went away: the client sees its connection close
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.removeIf(Socket::isClosed);
    }
  }

  /** Copies until {@code from} ends, then ends {@code to}'s output the same way (half-close). */
  private static void pipe(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops listening (connections are refused again) and cuts every connection through it. */
  @Override
  public void close() throws IOException {
    server.close();
    open.forEach(TcpForwarder::closeQuietly);
    open.clear();
  }
}
