import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites a Lambda deployment package (a zip: classes at the root, libraries in {@code lib/}; or
 * a layer's, libraries in {@code java/lib/}) so that every library jar holds its entries stored,
 * not compressed, and the zip deflates each jar whole. A jar compresses each class on its own, where the names and signatures classes share
 * repeat; deflated as one stream the same jar is about a third smaller, so the package is too, and
 * the JVM reads each class without inflating it. Unpacked (as Lambda unpacks it), the package is
 * about three times larger, far within Lambda's 250 MB.
 *
 * <p>Entries keep their order, names, contents and times, so the package stays reproducible. The
 * build runs this with the JDK's source launcher (Java 17+: Maven's own JVM), in place:
 *
 * <pre>java build/StoreLibraries.java target/PACKAGE.zip</pre>
 */
public final class StoreLibraries {

  private StoreLibraries() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: java StoreLibraries.java PACKAGE.zip");
      System.exit(2);
    }
    Path zip = Path.of(args[0]);
    Path rewritten = zip.resolveSibling(zip.getFileName() + ".tmp");
    try (var in = new ZipInputStream(Files.newInputStream(zip));
        var out = new ZipOutputStream(Files.newOutputStream(rewritten))) {
      out.setLevel(Deflater.BEST_COMPRESSION);
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        byte[] content = in.readAllBytes();
        if (isLibrary(entry)) {
          content = stored(content);
        }
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setTime(entry.getTime());
        out.putNextEntry(copy);
        out.write(content);
        out.closeEntry();
      }
    }
    Files.move(rewritten, zip, StandardCopyOption.REPLACE_EXISTING);
  }

  private static boolean isLibrary(ZipEntry entry) {
    return !entry.isDirectory() && entry.getName().endsWith(".jar");
  }

  /** The same jar, each entry stored. */
  private static byte[] stored(byte[] jar) throws IOException {
    var bytes = new ByteArrayOutputStream(jar.length * 4);
    try (var in = new ZipInputStream(new ByteArrayInputStream(jar));
        var out = new ZipOutputStream(bytes)) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        byte[] content = in.readAllBytes();
        var crc = new CRC32();
        crc.update(content);
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setMethod(ZipEntry.STORED);
        copy.setSize(content.length);
        copy.setCompressedSize(content.length);
        copy.setCrc(crc.getValue());
        copy.setTime(entry.getTime());
        out.putNextEntry(copy);
        out.write(content);
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
