package dev.uplink.infra.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A {@code multipart/form-data} body built by hand, as curl -F sends it; files are streamed. */
final class Multipart {

  private final String boundary;
  private final List<BodyPublisher> parts = new ArrayList<>();

  Multipart() {
    byte[] random = new byte[12];
    ThreadLocalRandom.current().nextBytes(random);
    boundary = "----uplink-e2e-" + HexFormat.of().formatHex(random);
  }

  String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  /** A plain form field. */
  Multipart field(String name, String value) {
    parts.add(
        BodyPublishers.ofString(
            "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                .formatted(boundary, name, value),
            StandardCharsets.UTF_8));
    return this;
  }

  /** A file part, its content streamed from {@code file}. */
  Multipart file(String name, String filename, Path file) {
    try {
      return file(name, filename, BodyPublishers.ofFile(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file part with the given content. */
  Multipart file(String name, String filename, byte[] content) {
    return file(name, filename, BodyPublishers.ofByteArray(content));
  }

  private Multipart file(String name, String filename, BodyPublisher content) {
    parts.add(
        BodyPublishers.ofString(
            ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n")
                .formatted(boundary, name, filename),
            StandardCharsets.UTF_8));
    parts.add(content);
    parts.add(BodyPublishers.ofString("\r\n"));
    return this;
  }

  /** The whole body, closing boundary included. */
  BodyPublisher body() {
    var all = new ArrayList<>(parts);
    all.add(BodyPublishers.ofString("--" + boundary + "--\r\n"));
    return BodyPublishers.concat(all.toArray(BodyPublisher[]::new));
  }
}
