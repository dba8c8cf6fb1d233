package dev.uplink.infra.chaos;

import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What every chaos test sets up the same way, for a whole test class: its own queues, table and
 * bucket on the emulators ({@link LocalAwsExtension}), a {@link ChaosStack} on the test incusd in a
 * fresh work directory, and, if asked, {@link IncusPushEvents} watching one directory under the
 * stack's root.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ChaosFixture chaos =
 *     ChaosFixture.withQueue(Duration.ofSeconds(10), 5)
 *         .withPollerSetting("UPLINK_WORKERS", "4")
 *         .watching("dup");
 * }</pre>
 *
 * Register it on a {@code static} field: it is ready before the class's own {@code @BeforeAll}
 * methods run and closed after its {@code @AfterAll} methods. Without a reachable incusd the class
 * is skipped (failed under {@code CI=true}), as {@link IncusTestEnvironment#require()} decides.
 */
final class ChaosFixture implements BeforeAllCallback, AfterAllCallback {

  private final LocalAwsExtension aws;
  private final Map<String, String> pollerSettings;
  private final Optional<String> watched;

  private Path dir;
  private IncusTestEnvironment incus;
  private ChaosStack stack;
  private IncusPushEvents events;

  private ChaosFixture(
      LocalAwsExtension aws, Map<String, String> pollerSettings, Optional<String> watched) {
    this.aws = aws;
    this.pollerSettings = Map.copyOf(pollerSettings);
    this.watched = watched;
  }

  /** A work queue with this visibility timeout, dead-lettering after {@code maxReceives}. */
  static ChaosFixture withQueue(Duration visibility, int maxReceives) {
    return new ChaosFixture(
        LocalAwsExtension.create(visibility, maxReceives), Map.of(), Optional.empty());
  }

  /** A setting every poller of the stack gets, on top of the defaults (e.g. UPLINK_WORKERS). */
  ChaosFixture withPollerSetting(String name, String value) {
    Map<String, String> settings = new HashMap<>(pollerSettings);
    settings.put(name, value);
    return new ChaosFixture(aws, settings, watched);
  }

  /** Also watch the completed pushes under {@code <root>/<subdirectory>} on the host. */
  ChaosFixture watching(String subdirectory) {
    return new ChaosFixture(aws, pollerSettings, Optional.of(subdirectory));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    aws.beforeAll(context);
    dir = Files.createTempDirectory("uplink-chaos-");
    incus = IncusTestEnvironment.require();
    stack = new ChaosStack(aws, incus, dir, pollerSettings);
    if (watched.isPresent()) {
      events = new IncusPushEvents(incus).connect().watch(stack.root() + "/" + watched.get());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (events != null) {
        events.close();
      }
      if (stack != null) {
        stack.close();
      }
    } finally {
      events = null;
      stack = null;
      deleteRecursively(dir);
      aws.afterAll(context);
    }
  }

  ChaosStack stack() {
    return ready(stack);
  }

  /** The pushes seen on the host; only with {@link #watching(String)}. */
  IncusPushEvents events() {
    return ready(events);
  }

  IncusTestEnvironment incus() {
    return ready(incus);
  }

  /** A scratch directory of the test class, removed after it (the stack's data is under it). */
  Path dir() {
    return ready(dir);
  }

  String queueUrl() {
    return aws.resources().queueUrl();
  }

  String deadLetterQueueUrl() {
    return aws.resources().deadLetterQueueUrl();
  }

  private static <T> T ready(T part) {
    if (part == null) {
      throw new IllegalStateException(
          "ChaosFixture is not set up: register it with @RegisterExtension on a static field"
              + " (and watching(...) for the push events)");
    }
    return part;
  }

  private static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove " + root, e);
    }
  }
}
