package dev.uplink.processor.incus.sftp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Reads an SFTP answer's fields in order. */
final class SftpReader {
  private final byte[] body;
  private int at;

  SftpReader(byte[] body) {
    this.body = body;
  }

  int remaining() {
    return body.length - at;
  }

  int u8() throws IOException {
    need(1);
    return body[at++] & 0xff;
  }

  int u32() throws IOException {
    need(4);
    int value =
        ((body[at] & 0xff) << 24)
            | ((body[at + 1] & 0xff) << 16)
            | ((body[at + 2] & 0xff) << 8)
            | (body[at + 3] & 0xff);
    at += 4;
    return value;
  }

  long u64() throws IOException {
    return ((long) u32() << 32) | (u32() & 0xffff_ffffL);
  }

  byte[] bytes() throws IOException {
    int length = u32();
    if (length < 0) {
      throw new IOException("Malformed SFTP packet: negative length");
    }
    need(length);
    byte[] value = java.util.Arrays.copyOfRange(body, at, at + length);
    at += length;
    return value;
  }

  String string() throws IOException {
    if (remaining() == 0) {
      return ""; // some servers omit the trailing message and language tag
    }
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  SftpAttributes attrs() throws IOException {
    int flags = u32();
    OptionalLong size = OptionalLong.empty();
    OptionalLong uid = OptionalLong.empty();
    OptionalLong gid = OptionalLong.empty();
    OptionalInt permissions = OptionalInt.empty();
    if ((flags & SftpAttributes.FLAG_SIZE) != 0) {
      size = OptionalLong.of(u64());
    }
    if ((flags & SftpAttributes.FLAG_UIDGID) != 0) {
      uid = OptionalLong.of(u32() & 0xffff_ffffL);
      gid = OptionalLong.of(u32() & 0xffff_ffffL);
    }
    if ((flags & SftpAttributes.FLAG_PERMISSIONS) != 0) {
      permissions = OptionalInt.of(u32());
    }
    if ((flags & SftpAttributes.FLAG_ACMODTIME) != 0) {
      u32();
      u32();
    }
    if ((flags & SftpAttributes.FLAG_EXTENDED) != 0) {
      int count = u32();
      for (int i = 0; i < count; i++) {
        bytes();
        bytes();
      }
    }
    return new SftpAttributes(size, uid, gid, permissions);
  }

  private void need(int n) throws IOException {
    if (n > remaining()) {
      throw new IOException(
          "Malformed SFTP packet: " + n + " bytes wanted, " + remaining() + " left");
    }
  }
}
