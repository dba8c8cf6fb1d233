package dev.uplink.core.testing;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A Lambda deployment package (a zip: classes at the root, libraries in {@code lib/}) unpacked and
 * loaded the way Lambda's Java runtime loads it: in a class loader of its own, over nothing but the
 * JDK. The packages leave out libraries only some entry points use (Micrometer serves the poller,
 * not the processor function), so the tests that load a handler from here prove it needs none of
 * them.
 */
public final class LambdaPackage implements AutoCloseable {

  private static final String UPLINK_PACKAGE = "dev.uplink.";

  private final Path root;
  private final URLClassLoader loader;

  private LambdaPackage(Path root, URLClassLoader loader) {
    this.root = root;
    this.loader = loader;
  }

  /** Unpacks {@code zip} into {@code directory} and opens a class loader over it. */
  public static LambdaPackage unpack(Path zip, Path directory) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        Path target = directory.resolve(entry.getName()).normalize();
        if (!target.startsWith(directory)) {
          throw new IOException("entry outside the package: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(in, target);
        }
      }
    }
    List<URL> classPath = new ArrayList<>();
    classPath.add(url(directory));
    for (Path jar : libraries(directory)) {
      classPath.add(url(jar));
    }
    return new LambdaPackage(
        directory,
        new URLClassLoader(classPath.toArray(URL[]::new), ClassLoader.getPlatformClassLoader()));
  }

  /** The libraries in {@code lib/}, by file name. */
  public List<String> libraryNames() throws IOException {
    return libraries(root).stream().map(jar -> jar.getFileName().toString()).toList();
  }

  /**
   * Runs the stream handler {@code className} in a JVM of its own on the package alone (and {@link
   * LambdaInvocation}), with {@code environment} as its whole environment: instantiated as Lambda
   * does, handed {@code event}. Returns the handler's answer.
   *
   * @throws AssertionError with the process's output when it failed or gave no answer in 2 minutes
   */
  public String invoke(String className, Map<String, String> environment, String event)
      throws IOException, InterruptedException {
    Path eventFile = Files.createTempFile(root.getParent(), "event", ".json");
    Files.writeString(eventFile, event);
    String runner =
        Path.of(
                LambdaInvocation.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .getPath())
            .toString();
    var command =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                String.join(
                    java.io.File.pathSeparator,
                    root.toString(),
                    root.resolve("lib") + "/*",
                    runner),
                LambdaInvocation.class.getName(),
                className,
                eventFile.toString())
            .redirectErrorStream(true);
    command.environment().clear();
    command.environment().putAll(environment);
    Process process = command.start();
    var output = new java.io.ByteArrayOutputStream();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (InputStream in = process.getInputStream()) {
                    in.transferTo(output);
                  } catch (IOException e) {
                    // the process ended: what was read is what there is
                  }
                });
    boolean ended = process.waitFor(2, java.util.concurrent.TimeUnit.MINUTES);
    if (!ended) {
      process.destroyForcibly();
    }
    reader.join(10_000);
    String text = output.toString(java.nio.charset.StandardCharsets.UTF_8);
    return text.lines()
        .filter(line -> line.startsWith(LambdaInvocation.ANSWER))
        .map(line -> line.substring(LambdaInvocation.ANSWER.length()))
        .findFirst()
        .filter(answer -> ended && process.exitValue() == 0)
        .orElseThrow(() -> new AssertionError(className + " did not answer:\n" + text));
  }

  /** Loads and initialises {@code className} from the package alone. */
  public Class<?> load(String className) throws ClassNotFoundException {
    return Class.forName(className, true, loader);
  }

  /**
   * The classes Uplink's code reachable from {@code entryPoint} refers to and the package cannot
   * load: empty when the entry point has everything it may need. Reachable means through Uplink's
   * own classes (the module's and core's); libraries are trusted to carry what they need.
   */
  public Set<String> unresolvedReferencesFrom(String entryPoint) throws IOException {
    JavaClasses uplink = new ClassFileImporter().importUrls(uplinkClassLocations());
    Set<String> unresolved = new TreeSet<>();
    Set<String> seen = new HashSet<>();
    Deque<String> next = new ArrayDeque<>(List.of(entryPoint));
    while (!next.isEmpty()) {
      String name = next.pop();
      if (!seen.add(name)) {
        continue;
      }
      if (!uplink.contain(name)) {
        unresolved.add(name + " (an Uplink class)");
        continue;
      }
      JavaClass javaClass = uplink.get(name);
      for (Dependency dependency : javaClass.getDirectDependenciesFromSelf()) {
        String target = dependency.getTargetClass().getBaseComponentType().getName();
        if (target.startsWith(UPLINK_PACKAGE)) {
          next.push(target);
        } else if (!dependency.getTargetClass().getBaseComponentType().isPrimitive()
            && !loadable(target)) {
          unresolved.add(target + " (from " + name + ")");
        }
      }
    }
    return unresolved;
  }

  private boolean loadable(String className) {
    String resource = className.replace('.', '/') + ".class";
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in != null) {
        return true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Class.forName(className, false, ClassLoader.getPlatformClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** The package's root (its own classes) and Uplink's libraries in lib/ (core). */
  private List<URL> uplinkClassLocations() throws IOException {
    List<URL> locations = new ArrayList<>();
    locations.add(url(root));
    for (Path jar : libraries(root)) {
      if (jar.getFileName().toString().startsWith("uplink-")) {
        locations.add(url(jar));
      }
    }
    return locations;
  }

  /**
   * The handlers template.yaml deploys from {@code codeUri}, by class name ({@code Handler: a.B::m}
   * under {@code CodeUri: codeUri} in the same function's properties).
   */
  public static List<String> handlersDeployedFrom(Path template, String codeUri)
      throws IOException {
    Pattern property = Pattern.compile("^\\s+(CodeUri|Handler):\\s*(\\S+)\\s*$");
    List<String> handlers = new ArrayList<>();
    String currentCodeUri = null;
    for (String line : Files.readAllLines(template)) {
      Matcher matcher = property.matcher(line);
      if (!matcher.matches()) {
        continue;
      }
      if (matcher.group(1).equals("CodeUri")) {
        currentCodeUri = matcher.group(2);
      } else if (codeUri.equals(currentCodeUri)) {
        handlers.add(matcher.group(2).replaceFirst("::.*$", ""));
        currentCodeUri = null;
      }
    }
    return handlers;
  }

  private static List<Path> libraries(Path directory) throws IOException {
    Path lib = directory.resolve("lib");
    if (!Files.isDirectory(lib)) {
      return List.of();
    }
    try (Stream<Path> jars = Files.list(lib)) {
      return jars.filter(jar -> jar.toString().endsWith(".jar")).sorted().toList();
    }
  }

  private static URL url(Path path) throws MalformedURLException {
    return path.toUri().toURL();
  }

  @Override
  public void close() throws IOException {
    loader.close();
  }
}
