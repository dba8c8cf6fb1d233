package dev.uplink.api.contract;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Small multipart/form-data bodies written byte by byte, so a case controls every byte. */
final class MultipartBody {

  static final String BOUNDARY = "----uplink-contract-boundary-Qx7w2";
  static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

  private final ByteArrayOutputStream body = new ByteArrayOutputStream();

  MultipartBody field(String name, String value) {
    write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n");
    write(value + "\r\n");
    return this;
  }

  MultipartBody file(String name, String filename, byte[] content) {
    write("--" + BOUNDARY + "\r\n");
    write(
        "Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\n");
    write("Content-Type: application/octet-stream\r\n\r\n");
    body.writeBytes(content);
    write("\r\n");
    return this;
  }

  byte[] build() {
    write("--" + BOUNDARY + "--\r\n");
    return body.toByteArray();
  }

  private void write(String text) {
    body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
