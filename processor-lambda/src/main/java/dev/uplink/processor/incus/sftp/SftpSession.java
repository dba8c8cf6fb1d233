package dev.uplink.processor.incus.sftp;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One SFTP v3 session over a byte stream. Not thread-safe: one caller at a time (the pool lends a
 * session to one push). Requests are answered in order, except that {@link #write} keeps up to a
 * window of writes in flight and collects their answers as it goes, so a push does not wait a round
 * trip per chunk.
 *
 * <p>An error status fails only its request ({@link SftpException}); any other {@link IOException}
 * means the stream is broken, and {@link #isBroken()} turns true: such a session is never reused.
 */
public final class SftpSession implements Closeable {

  /** {@code SSH_FXF_*} open flags. */
  public static final int OPEN_READ = 0x01;

  public static final int OPEN_WRITE = 0x02;
  public static final int OPEN_CREATE = 0x08;
  public static final int OPEN_EXCLUSIVE = 0x20;

  private static final int VERSION = 3;
  private static final int INIT = 1;
  private static final int VERSION_REPLY = 2;
  private static final int OPEN = 3;
  private static final int CLOSE = 4;
  private static final int READ = 5;
  private static final int WRITE = 6;
  private static final int LSTAT = 7;
  private static final int FSTAT = 8;
  private static final int SETSTAT = 9;
  private static final int FSETSTAT = 10;
  private static final int OPENDIR = 11;
  private static final int READDIR = 12;
  private static final int REMOVE = 13;
  private static final int MKDIR = 14;
  private static final int RMDIR = 15;
  private static final int STAT = 17;
  private static final int EXTENDED = 200;
  private static final int STATUS = 101;
  private static final int HANDLE = 102;
  private static final int DATA = 103;
  private static final int NAME = 104;
  private static final int ATTRS = 105;

  private static final String POSIX_RENAME = "posix-rename@openssh.com";

  /** Larger answers than this are a broken or hostile peer, not a reply we asked for. */
  private static final int MAX_PACKET = 4 << 20;

  private final DataInputStream in;
  private final DataOutputStream out;
  private final Closeable connection;
  private final Set<String> extensions;
  private final Set<Integer> writesInFlight = new HashSet<>();
  private SftpException firstWriteError;
  private String writePath = "";
  private int nextId = 1;
  private boolean broken;

  private SftpSession(
      DataInputStream in, DataOutputStream out, Closeable connection, Set<String> extensions) {
    this.in = in;
    this.out = out;
    this.connection = connection;
    this.extensions = extensions;
  }

  /**
   * Starts a session on an open stream ({@code SSH_FXP_INIT}, version 3) and reads the server's
   * extensions. {@code connection} is closed with the session.
   *
   * @throws IOException if the peer does not answer like an SFTP v3 server
   */
  public static SftpSession start(InputStream input, OutputStream output, Closeable connection)
      throws IOException {
    var in = new DataInputStream(new BufferedInputStream(input, 64 * 1024));
    var out = new DataOutputStream(new BufferedOutputStream(output, 64 * 1024));
    out.writeInt(5);
    out.writeByte(INIT);
    out.writeInt(VERSION);
    out.flush();
    int length = in.readInt();
    if (length < 5 || length > MAX_PACKET) {
      throw new IOException("Not an SFTP server: a first packet of " + length + " bytes");
    }
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new EOFException("The SFTP server closed the stream during the handshake");
    }
    var reply = new SftpReader(body);
    int type = reply.u8();
    if (type != VERSION_REPLY) {
      throw new IOException("Not an SFTP server: first packet of type " + type);
    }
    int version = reply.u32();
    if (version != VERSION) {
      throw new IOException("The SFTP server speaks version " + version + ", not 3");
    }
    Set<String> extensions = new HashSet<>();
    while (reply.remaining() > 0) {
      extensions.add(reply.string());
      reply.bytes();
    }
    return new SftpSession(in, out, connection, Set.copyOf(extensions));
  }

  /** The extensions the server announced (e.g. {@code posix-rename@openssh.com}). */
  public Set<String> extensions() {
    return extensions;
  }

  /** Whether the stream broke: the session cannot be used any more. */
  public boolean isBroken() {
    return broken;
  }

  // --- paths ------------------------------------------------------------------------------------

  /** The attributes of {@code path} itself (a symlink is not followed), or empty if absent. */
  public Optional<SftpAttributes> lstat(String path) throws IOException {
    return statOrEmpty(LSTAT, "lstat", path);
  }

  /** The attributes of {@code path}, following symlinks, or empty if absent. */
  public Optional<SftpAttributes> stat(String path) throws IOException {
    return statOrEmpty(STAT, "stat", path);
  }

  public void mkdir(String path, SftpAttributes attributes) throws IOException {
    expectOk(request(MKDIR).string(path).attrs(attributes), "mkdir", path);
  }

  public void rmdir(String path) throws IOException {
    expectOk(request(RMDIR).string(path), "rmdir", path);
  }

  public void remove(String path) throws IOException {
    expectOk(request(REMOVE).string(path), "remove", path);
  }

  public void setstat(String path, SftpAttributes attributes) throws IOException {
    expectOk(request(SETSTAT).string(path).attrs(attributes), "setstat", path);
  }

  /**
   * Renames {@code from} to {@code to}, atomically replacing {@code to} if it exists ({@code
   * posix-rename@openssh.com}, rename(2)): a reader of {@code to} sees the old file or the new one,
   * never neither.
   */
  public void posixRename(String from, String to) throws IOException {
    if (!extensions.contains(POSIX_RENAME)) {
      throw new SftpException("rename", from, SftpException.OP_UNSUPPORTED, POSIX_RENAME);
    }
    expectOk(request(EXTENDED).string(POSIX_RENAME).string(from).string(to), "rename", from);
  }

  /** The names in a directory, without {@code .} and {@code ..}. */
  public List<String> list(String path) throws IOException {
    byte[] handle = handle(request(OPENDIR).string(path), "opendir", path);
    List<String> names = new ArrayList<>();
    try {
      while (true) {
        Reply reply = call(request(READDIR).bytes(handle), "readdir", path);
        if (reply.type == STATUS) {
          int status = reply.body.u32();
          if (status == SftpException.EOF) {
            break;
          }
          throw new SftpException("readdir", path, status, reply.body.string());
        }
        requireType(reply, NAME, "readdir");
        int count = reply.body.u32();
        for (int i = 0; i < count; i++) {
          String name = reply.body.string();
          reply.body.string(); // long name
          reply.body.attrs();
          if (!name.equals(".") && !name.equals("..")) {
            names.add(name);
          }
        }
      }
    } finally {
      closeHandle(handle, path);
    }
    return names;
  }

  // --- files ------------------------------------------------------------------------------------

  /** Opens a file with {@code OPEN_*} flags; on create it gets {@code attributes}. */
  public byte[] open(String path, int flags, SftpAttributes attributes) throws IOException {
    return handle(request(OPEN).string(path).u32(flags).attrs(attributes), "open", path);
  }

  public SftpAttributes fstat(byte[] handle, String path) throws IOException {
    Reply reply = call(request(FSTAT).bytes(handle), "fstat", path);
    requireType(reply, ATTRS, "fstat");
    return reply.body.attrs();
  }

  public void fsetstat(byte[] handle, String path, SftpAttributes attributes) throws IOException {
    expectOk(request(FSETSTAT).bytes(handle).attrs(attributes), "fsetstat", path);
  }

  /** Closes a handle; a file's writes are all answered first. */
  public void closeHandle(byte[] handle, String path) throws IOException {
    expectOk(request(CLOSE).bytes(handle), "close", path);
  }

  /**
   * Reads up to {@code length} bytes at {@code offset}; empty at the end of the file.
   *
   * @return the bytes, or an empty optional at the end of the file
   */
  public Optional<byte[]> read(byte[] handle, String path, long offset, int length)
      throws IOException {
    Reply reply = call(request(READ).bytes(handle).u64(offset).u32(length), "read", path);
    if (reply.type == STATUS) {
      int status = reply.body.u32();
      if (status == SftpException.EOF) {
        return Optional.empty();
      }
      throw new SftpException("read", path, status, reply.body.string());
    }
    requireType(reply, DATA, "read");
    return Optional.of(reply.body.bytes());
  }

  /**
   * Sends {@code length} bytes of {@code data} to be written at {@code offset}, without waiting for
   * the answer unless {@code window} writes are already in flight. {@link #awaitWrites} waits for
   * the rest. The first refused write is thrown once every write in flight is answered.
   */
  public void write(byte[] handle, String path, long offset, byte[] data, int length, int window)
      throws IOException {
    writePath = path;
    while (writesInFlight.size() >= window) {
      collectOneWrite();
    }
    if (firstWriteError != null) {
      awaitWrites(); // a refused write: stop sending, and throw once the rest are answered
    }
    int id = nextId++;
    guard(
        () -> {
          out.writeInt(1 + 4 + 4 + handle.length + 8 + 4 + length);
          out.writeByte(WRITE);
          out.writeInt(id);
          out.writeInt(handle.length);
          out.write(handle);
          out.writeLong(offset);
          out.writeInt(length);
          out.write(data, 0, length);
          out.flush();
        });
    writesInFlight.add(id);
  }

  /** Waits until every write sent is answered; throws the first refusal among them. */
  public void awaitWrites() throws IOException {
    while (!writesInFlight.isEmpty()) {
      collectOneWrite();
    }
    SftpException error = firstWriteError;
    firstWriteError = null;
    if (error != null) {
      throw error;
    }
  }

  @Override
  public void close() {
    broken = true;
    try {
      connection.close();
    } catch (IOException ignored) {
      // the session is gone either way
    }
  }

  // --- protocol ---------------------------------------------------------------------------------

  private Optional<SftpAttributes> statOrEmpty(int type, String operation, String path)
      throws IOException {
    Reply reply = call(request(type).string(path), operation, path);
    if (reply.type == STATUS) {
      int status = reply.body.u32();
      if (status == SftpException.NO_SUCH_FILE) {
        return Optional.empty();
      }
      throw new SftpException(operation, path, status, reply.body.string());
    }
    requireType(reply, ATTRS, operation);
    return Optional.of(reply.body.attrs());
  }

  private byte[] handle(SftpRequest request, String operation, String path) throws IOException {
    Reply reply = call(request, operation, path);
    if (reply.type == STATUS) {
      int status = reply.body.u32();
      throw new SftpException(operation, path, status, reply.body.string());
    }
    requireType(reply, HANDLE, operation);
    return reply.body.bytes();
  }

  private void expectOk(SftpRequest request, String operation, String path) throws IOException {
    Reply reply = call(request, operation, path);
    requireType(reply, STATUS, operation);
    int status = reply.body.u32();
    if (status != 0) {
      throw new SftpException(operation, path, status, reply.body.string());
    }
  }

  private void requireType(Reply reply, int expected, String operation) throws IOException {
    if (reply.type != expected) {
      broken = true;
      throw new IOException(
          "The SFTP server answered %s with packet type %d, expected %d"
              .formatted(operation, reply.type, expected));
    }
  }

  private SftpRequest request(int type) {
    return new SftpRequest(type, nextId++);
  }

  /** Sends one request and reads until its answer, collecting write answers on the way. */
  private Reply call(SftpRequest request, String operation, String path) throws IOException {
    if (broken) {
      throw new IOException(
          "The SFTP session is closed or broken (" + operation + " " + path + ")");
    }
    guard(
        () -> {
          byte[] body = request.buffer.toByteArray();
          out.writeInt(body.length);
          out.write(body);
          out.flush();
        });
    while (true) {
      Reply reply = readReply();
      if (reply.id == request.id) {
        return reply;
      }
      if (!acceptWriteAnswer(reply)) {
        broken = true;
        throw new IOException("The SFTP server answered request " + reply.id + ", never sent");
      }
    }
  }

  private void collectOneWrite() throws IOException {
    Reply reply = readReply();
    if (!acceptWriteAnswer(reply)) {
      broken = true;
      throw new IOException("The SFTP server answered request " + reply.id + ", not a write");
    }
  }

  private boolean acceptWriteAnswer(Reply reply) throws IOException {
    if (!writesInFlight.remove(reply.id)) {
      return false;
    }
    requireType(reply, STATUS, "write");
    int status = reply.body.u32();
    if (status != 0 && firstWriteError == null) {
      firstWriteError = new SftpException("write", writePath, status, reply.body.string());
    }
    return true;
  }

  private Reply readReply() throws IOException {
    int[] length = new int[1];
    byte[][] body = new byte[1][];
    guard(
        () -> {
          length[0] = in.readInt();
          if (length[0] < 5 || length[0] > MAX_PACKET) {
            throw new IOException("SFTP packet of " + length[0] + " bytes");
          }
          body[0] = in.readNBytes(length[0]);
          if (body[0].length < length[0]) {
            throw new EOFException("The SFTP server closed the stream mid-packet");
          }
        });
    var reader = new SftpReader(body[0]);
    int type = reader.u8();
    int id = reader.u32();
    return new Reply(type, id, reader);
  }

  private interface Io {
    void run() throws IOException;
  }

  /** Runs stream I/O; any failure breaks the session for good. */
  private void guard(Io io) throws IOException {
    try {
      io.run();
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  private record Reply(int type, int id, SftpReader body) {}
}
