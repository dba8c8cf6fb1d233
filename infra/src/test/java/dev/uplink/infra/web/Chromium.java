package dev.uplink.infra.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's {@code chromium}, headless, driven through Debian's {@code chromedriver} with Selenium.
 * Both are found on the machine ({@code UPLINK_TEST_CHROMIUM}, {@code UPLINK_TEST_CHROMEDRIVER},
 * default {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}); nothing ever downloads a
 * browser or a driver. Without them a test is skipped with the reason, except under {@code
 * CI=true}, where it fails ({@code .ci/run} installs them).
 *
 * <p>Each instance is a fresh browser profile in a temporary directory, started with the flags a
 * machine with a closed network needs (no background networking, component updates or sync).
 */
final class Chromium implements AutoCloseable {

  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path profile;

  private Chromium(ChromeDriverService service, ChromeDriver driver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.profile = profile;
  }

  /** Starts Chromium, or skips the test (fails it under CI=true) when it is not installed. */
  static Chromium start() {
    Path browser = Path.of(env("UPLINK_TEST_CHROMIUM", "/usr/bin/chromium"));
    Path driverBinary = Path.of(env("UPLINK_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
    var missing = new ArrayList<String>();
    for (Path binary : List.of(browser, driverBinary)) {
      if (!Files.isExecutable(binary)) {
        missing.add(binary + " is missing");
      }
    }
    if (!missing.isEmpty()) {
      String message =
          "No headless Chromium for the web page's tests ("
              + String.join(", ", missing)
              + "): apt-get install -y chromium chromium-driver";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail("CI=true, so browser tests must not skip. " + message);
      }
      Assumptions.abort(message);
    }
    Path profile;
    try {
      profile = Files.createTempDirectory("uplink-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var options = new ChromeOptions();
    options.setBinary(browser.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--user-data-dir=" + profile.toAbsolutePath(),
        "--window-size=1280,1000",
        "--hide-scrollbars",
        "--lang=en-GB");
    // Leaving the page while it sends asks first (beforeunload): tests that reload mean it.
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.ACCEPT);
    var logging = new LoggingPreferences();
    logging.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logging);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driverBinary.toFile())
            .usingAnyFreePort()
            .withSilent(true)
            .build();
    try {
      return new Chromium(service, new ChromeDriver(service, options), profile);
    } catch (RuntimeException e) {
      service.stop();
      deleteRecursively(profile);
      throw e;
    }
  }

  WebDriver driver() {
    return driver;
  }

  void open(String url) {
    driver.get(url);
  }

  WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> findAll(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Waits (up to 30 s, or {@code timeout}) until {@code condition} gives something truthy. */
  <T> T await(String what, Function<WebDriver, T> condition) {
    return await(what, WAIT, condition);
  }

  <T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
    return await(() -> what, timeout, condition);
  }

  /** As {@link #await(String, Function)}, saying {@code what} (read at the timeout) on failure. */
  <T> T await(Supplier<String> what, Function<WebDriver, T> condition) {
    return await(what, WAIT, condition);
  }

  <T> T await(Supplier<String> what, Duration timeout, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, timeout, Duration.ofMillis(50))
        .withMessage(what)
        .until(condition);
  }

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object asyncScript(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  void windowSize(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Throttles uploads to {@code bytesPerSecond}, or cuts the network ({@code offline}). */
  void network(boolean offline, long bytesPerSecond) {
    var conditions = new ChromiumNetworkConditions();
    conditions.setOffline(offline);
    conditions.setLatency(Duration.ofMillis(5));
    conditions.setUploadThroughput((int) bytesPerSecond);
    conditions.setDownloadThroughput(100_000_000);
    driver.setNetworkConditions(conditions);
  }

  /** The network as it is. */
  void networkRestored() {
    driver.deleteNetworkConditions();
  }

  /**
   * A screenshot of the whole page (not only the window) as {@code target/screenshots/NAME.png}.
   */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Map<String, Object> shot =
          driver.executeCdpCommand(
              "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
      Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The console's messages so far (each read once), as "LEVEL message". */
  List<String> console() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(LogEntry::toString)
        .toList();
  }

  /**
   * Fails on any message saying the page broke its own security policy or threw: a refused inline
   * script, a Trusted Types violation, an uncaught exception.
   */
  void assertNoPolicyViolationsOrErrors() {
    assertThat(console())
        .as("console messages of the page")
        .noneMatch(
            line ->
                Stream.of(
                        "Content Security Policy",
                        "Content-Security-Policy",
                        "TrustedScript",
                        "Trusted Type",
                        "Uncaught")
                    .anyMatch(line::contains));
  }

  /** Elements that stick out of the window sideways (a page a phone must scroll sideways). */
  @SuppressWarnings("unchecked")
  List<String> overflowingElements() {
    return (List<String>)
        script(
            """
            const width = document.documentElement.clientWidth;
            // Content clipped by an ancestor that itself fits (visually hidden text) does not count.
            const clipped = (e) => {
              for (let a = e.parentElement; a; a = a.parentElement) {
                const style = getComputedStyle(a);
                const clips = style.overflowX !== 'visible' || style.clipPath !== 'none';
                if (clips && a.getBoundingClientRect().right <= width + 0.5) return true;
              }
              return false;
            };
            return [...document.querySelectorAll('body *')]
              .filter((e) => e.getClientRects().length > 0 && e.getBoundingClientRect().right > width + 0.5)
              .filter((e) => !clipped(e))
              .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} right=${Math.round(e.getBoundingClientRect().right)} > ${width}`);
            """);
  }

  /** Waits until the element found by {@code css} says something starting with {@code prefix}. */
  String awaitText(String css, String prefix) {
    return await(
        () -> css + " never started with " + prefix + "; it says " + text(css),
        WAIT,
        driver -> text(css).startsWith(prefix) ? text(css) : null);
  }

  /** The text of the element found by {@code css}, or "" when there is none. */
  String text(String css) {
    List<WebElement> found = findAll(css);
    return found.isEmpty() ? "" : found.get(0).getText();
  }

  /** Reads one element's attributes and text in one script call (no stale elements). */
  @SuppressWarnings("unchecked")
  Map<String, Object> snapshot(String script, Object... args) {
    return (Map<String, Object>) script(script, args);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteRecursively(profile);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      // a leftover profile in /tmp is harmless
    }
  }
}
