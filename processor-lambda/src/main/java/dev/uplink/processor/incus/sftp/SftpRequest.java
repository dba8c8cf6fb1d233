package dev.uplink.processor.incus.sftp;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** An SFTP request's body, built in memory (small: paths and attributes; writes bypass it). */
final class SftpRequest {
  final ByteArrayOutputStream buffer = new ByteArrayOutputStream(128);
  private final DataOutputStream data = new DataOutputStream(buffer);
  final int id;

  SftpRequest(int type, int id) {
    this.id = id;
    u8(type);
    u32(id);
  }

  SftpRequest u8(int value) {
    buffer.write(value);
    return this;
  }

  SftpRequest u32(int value) {
    try {
      data.writeInt(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  SftpRequest u64(long value) {
    try {
      data.writeLong(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  SftpRequest bytes(byte[] value) {
    u32(value.length);
    buffer.writeBytes(value);
    return this;
  }

  SftpRequest string(String value) {
    return bytes(value.getBytes(StandardCharsets.UTF_8));
  }

  SftpRequest attrs(SftpAttributes attributes) {
    u32(attributes.flags());
    attributes.size().ifPresent(this::u64);
    if (attributes.uid().isPresent() || attributes.gid().isPresent()) {
      u32((int) attributes.uid().orElseThrow());
      u32((int) attributes.gid().orElseThrow());
    }
    attributes.permissions().ifPresent(this::u32);
    return this;
  }
}
