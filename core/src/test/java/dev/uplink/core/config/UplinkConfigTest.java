package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.UploadTask;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UplinkConfigTest {

  @Test
  void anEmptyEnvironmentGivesTheDocumentedDefaults() {
    var config = UplinkConfig.fromEnvironment(Map.of());
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.apiKeys()).isEmpty();
    assertThat(config.incus()).isEmpty();
    assertThat(config.aws().region()).isEqualTo("us-east-1");
    assertThat(config.aws().s3Endpoint()).as("no endpoint means real AWS").isEmpty();
    assertThat(config.aws().bucket()).isEqualTo("uplink-uploads");
    assertThat(config.partSizeBytes()).isEqualTo(8 * 1024 * 1024);
    assertThat(config.visibilityTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.maxReceiveCount()).isEqualTo(5);
  }

  @Test
  void apiKeysMapKeysToOwnersAndTheirDestinationGrants() {
    var config =
        UplinkConfig.fromEnvironment(
            Map.of("UPLINK_API_KEYS", "k1=alice@*:*/*:/, k2=bob@web-*:/srv/uploads/|db-1:/import"));
    assertThat(config.apiKeys()).containsOnlyKeys("k1", "k2");
    assertThat(config.apiKeys().get("k1"))
        .isEqualTo(new Caller("alice", DestinationPolicy.allowAll()));
    Caller bob = config.apiKeys().get("k2");
    assertThat(bob.owner()).isEqualTo("bob");
    assertThat(bob.policy().allows(Destination.of("web-7", "/srv/uploads/a.txt"))).isTrue();
    assertThat(bob.policy().allows(Destination.of("db-1", "/import/x"))).isTrue();
    assertThat(bob.policy().allows(Destination.of("db-1", "/srv/uploads/a.txt"))).isFalse();
    assertThat(bob.policy().allows(Destination.of("web-7", "/srv/uploads-old/a"))).isFalse();
  }

  @Test
  void operatorKeysNameOperatorsWhoMayUseTheOperatorEndpointsButSendNothing() {
    var config =
        UplinkConfig.fromEnvironment(
            Map.of(
                "UPLINK_API_KEYS", "k1=alice@*:/",
                "UPLINK_OPERATOR_KEYS", "ops-1=oncall, ops-2=carol"));

    assertThat(config.apiKeys().get("ops-1")).isEqualTo(Caller.operator("oncall"));
    assertThat(config.apiKeys().get("ops-2").operator()).isTrue();
    assertThat(config.apiKeys().get("ops-2").policy().allows(Destination.of("web-1", "/srv/a")))
        .as("an operator key is no upload key")
        .isFalse();
    assertThat(config.apiKeys().get("k1").operator()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "k1=alice@*:/; k1=oncall; also in UPLINK_API_KEYS",
        "'' ; ops-1; UPLINK_OPERATOR_KEYS must be a comma-separated list of key=operator-name",
        "'' ; ops-1=a,ops-1=b; lists the same key twice"
      })
  void aMalformedOrSharedOperatorKeyIsRefused(String apiKeys, String operatorKeys, String why) {
    assertThatThrownBy(
            () ->
                UplinkConfig.fromEnvironment(
                    Map.of("UPLINK_API_KEYS", apiKeys, "UPLINK_OPERATOR_KEYS", operatorKeys)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(why);
  }

  @Test
  void theLogFormatIsJsonOrText() {
    UplinkConfig.fromEnvironment(Map.of("UPLINK_LOG_FORMAT", "text"));
    UplinkConfig.fromEnvironment(Map.of("UPLINK_LOG_FORMAT", "json"));
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_LOG_FORMAT", "yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("UPLINK_LOG_FORMAT must be json or text, got yaml");
  }

  @Test
  void aKeyWithoutDestinationsIsRefusedWithTheFormatToUse() {
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "k1=alice")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("alice@web-*:/srv/uploads/")
        .hasMessageNotContaining("k1");
    assertThatThrownBy(
            () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "k1=alice@web-*")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pattern:/path/prefix/");
  }

  @Test
  void apiLimitsHaveTheDocumentedDefaultsAndReadTheirVariables() {
    assertThat(UplinkConfig.fromEnvironment(Map.of()).api()).isEqualTo(ApiLimits.defaults());
    var api =
        UplinkConfig.fromEnvironment(
                Map.of(
                    "UPLINK_MAX_UPLOAD_MB", "2",
                    "UPLINK_MAX_CONCURRENT_UPLOADS", "3",
                    "UPLINK_PRESIGN_EXPIRY", "60",
                    "UPLINK_UPLOAD_WINDOW", "120"))
            .api();
    assertThat(api)
        .isEqualTo(new ApiLimits(2L << 20, 3, Duration.ofSeconds(60), Duration.ofSeconds(120)));
    assertThatThrownBy(
            () ->
                UplinkConfig.fromEnvironment(
                    Map.of("UPLINK_PRESIGN_EXPIRY", "600", "UPLINK_UPLOAD_WINDOW", "60")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("UPLINK_UPLOAD_WINDOW");
  }

  @Test
  void admissionLimitsHaveTheDocumentedDefaultsAndReadTheirVariables() {
    assertThat(UplinkConfig.fromEnvironment(Map.of()).api().admission())
        .isEqualTo(
            new AdmissionLimits(32, OptionalLong.empty(), 16 * 1024, Duration.ofSeconds(30), 10));
    assertThat(
            UplinkConfig.fromEnvironment(Map.of("UPLINK_MAX_CONCURRENT_UPLOADS", "5"))
                .api()
                .admission()
                .maxUploadsPerOwner())
        .as("half of the slots, rounded up")
        .isEqualTo(3);
    var admission =
        UplinkConfig.fromEnvironment(
                Map.of(
                    "UPLINK_MAX_UPLOADS_PER_OWNER", "4",
                    "UPLINK_UPLOAD_BUFFER_MB", "96",
                    "UPLINK_MIN_UPLOAD_RATE_KBPS", "0",
                    "UPLINK_MIN_UPLOAD_RATE_WINDOW", "12",
                    "UPLINK_MAX_LONG_POLLS_PER_OWNER", "3"))
            .api()
            .admission();
    assertThat(admission)
        .isEqualTo(
            new AdmissionLimits(4, OptionalLong.of(96L << 20), 0, Duration.ofSeconds(12), 3));
  }

  @Test
  void anUploadBufferThatCannotHoldTwoPartsIsRefusedNamingBothVariables() {
    assertThatThrownBy(
            () ->
                UplinkConfig.fromEnvironment(
                    Map.of("UPLINK_UPLOAD_BUFFER_MB", "30", "UPLINK_PART_SIZE_MB", "16")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("UPLINK_UPLOAD_BUFFER_MB")
        .hasMessageContaining("UPLINK_PART_SIZE_MB")
        .hasMessageContaining("32");
    assertThatThrownBy(
            () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_MIN_UPLOAD_RATE_WINDOW", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("UPLINK_MIN_UPLOAD_RATE_WINDOW");
  }

  @Test
  void theStringFormNeverShowsApiKeys() {
    var config = UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "s3cr3t-key=alice@*:/"));
    assertThat(config.toString()).doesNotContain("s3cr3t-key").contains("1 configured");
  }

  @Test
  void theStringFormShowsTheApiLimitsToo() {
    var config = UplinkConfig.fromEnvironment(Map.of("UPLINK_MAX_UPLOAD_MB", "7"));
    assertThat(config.toString()).contains("api=ApiLimits[maxUploadBytes=" + 7 * 1024 * 1024);
  }

  @Test
  void incusNeedsAllThreeCertificatePaths() {
    assertThatThrownBy(
            () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_INCUS_URL", "https://incus:8443")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "UPLINK_INCUS_CERT (a PEM file) or UPLINK_INCUS_CERT_SECRET (a secret holding the PEM)"
                + " is required when UPLINK_INCUS_URL is set");
    var config =
        UplinkConfig.fromEnvironment(
            Map.of(
                "UPLINK_INCUS_URL", "https://incus:8443",
                "UPLINK_INCUS_CERT", "c.crt",
                "UPLINK_INCUS_KEY", "c.key",
                "UPLINK_INCUS_SERVER_CERT", "s.crt"));
    assertThat(config.incus())
        .get()
        .extracting(IncusSettings::url)
        .isEqualTo(URI.create("https://incus:8443"));
  }

  @Test
  void secretSettingsComeFromTheSecretTheirSecretVariableNames() {
    SecretSource store =
        reference ->
            switch (reference.id()) {
              case "uplink/api-keys" -> "k1=alice@*:/";
              case "/uplink/operator-keys" -> "ops-1=oncall";
              case "/uplink/incus/client.key" -> "-----BEGIN PRIVATE KEY-----";
              default -> throw new ConfigException("no " + reference.id());
            };
    var config =
        UplinkConfig.fromEnvironment(
            Map.of(
                "UPLINK_API_KEYS_SECRET", "secretsmanager:uplink/api-keys",
                "UPLINK_OPERATOR_KEYS_SECRET", "ssm:/uplink/operator-keys",
                "UPLINK_INCUS_URL", "https://incus:8443",
                "UPLINK_INCUS_CERT", "c.crt",
                "UPLINK_INCUS_KEY_SECRET", "ssm:/uplink/incus/client.key",
                "UPLINK_INCUS_SERVER_CERT", "s.crt"),
            store);

    assertThat(config.apiKeys()).containsOnlyKeys("k1", "ops-1");
    assertThat(config.incus().orElseThrow().clientKey())
        .isEqualTo(
            PemSource.secret(
                "SSM parameter /uplink/incus/client.key", "-----BEGIN PRIVATE KEY-----"));
    assertThat(config.incus().orElseThrow().clientCert())
        .isEqualTo(PemSource.file(Path.of("c.crt")));
  }

  @Test
  void aSettingAndItsSecretTogetherAreRefusedRatherThanOneSilentlyWinning() {
    assertThatThrownBy(
            () ->
                UplinkConfig.fromEnvironment(
                    Map.of(
                        "UPLINK_API_KEYS", "k1=alice@*:/",
                        "UPLINK_API_KEYS_SECRET", "secretsmanager:uplink/api-keys"),
                    SecretSource.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "UPLINK_API_KEYS and UPLINK_API_KEYS_SECRET are both set: set one (the secret, in"
                + " production)");
  }

  @Test
  void noSecretIsAskedForWhenNoSecretVariableIsSet() {
    var config =
        UplinkConfig.fromEnvironment(
            Map.of("UPLINK_API_KEYS", "k1=alice@*:/"), SecretSource.none());
    assertThat(config.apiKeys()).containsOnlyKeys("k1");
  }

  @Test
  void plainHttpToIncusIsRefused() {
    assertThatThrownBy(
            () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_INCUS_URL", "http://incus:8443")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("https://");
  }

  @Test
  void givenIncusUnixSocketUrl_whenReadingConfig_thenNoCertificateIsNeeded() {
    UplinkConfig config =
        UplinkConfig.fromEnvironment(
            Map.of("UPLINK_INCUS_URL", "unix:///var/lib/incus/unix.socket"), SecretSource.none());

    assertThat(config.incus())
        .hasValueSatisfying(
            incus -> {
              assertThat(incus.isUnixSocket()).isTrue();
              assertThat(incus.socketPath()).isEqualTo(Path.of("/var/lib/incus/unix.socket"));
              assertThat(incus.clientCert()).isNull();
            });
  }

  @Test
  void givenIncusUnixSocketUrlWithoutAbsolutePath_whenReadingConfig_thenItIsRefused() {
    assertThatThrownBy(
            () ->
                UplinkConfig.fromEnvironment(
                    Map.of("UPLINK_INCUS_URL", "unix:unix.socket"), SecretSource.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("absolute path");
  }

  @Test
  void malformedValuesNameTheVariableAndWhatItExpects() {
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_PORT", "eighty")))
        .hasMessage("UPLINK_PORT must be a whole number from 0 to 65535, got 'eighty'");
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "justakey")))
        .hasMessageContaining("key=owner@grants");
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_S3_ENDPOINT", "nope")))
        .hasMessageContaining("UPLINK_S3_ENDPOINT");
  }

  @Test
  void theMetricsPortIsUnsetByDefaultAndRefusesWhatIsNoPort() {
    assertThat(UplinkConfig.fromEnvironment(Map.of()).processing().metricsPort()).isEmpty();
    assertThat(
            UplinkConfig.fromEnvironment(Map.of("UPLINK_METRICS_PORT", "9464"))
                .processing()
                .metricsPort())
        .hasValue(9464);
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_METRICS_PORT", "http")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("UPLINK_METRICS_PORT must be a whole number from 0 to 65535, got 'http'");
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_METRICS_PORT", "70000")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("UPLINK_METRICS_PORT must be a whole number from 0 to 65535, got '70000'");
  }

  @Test
  void processingSettingsHaveTheDocumentedDefaults() {
    var processing = UplinkConfig.fromEnvironment(Map.of()).processing();
    assertThat(processing).isEqualTo(ProcessingSettings.defaults());
    assertThat(processing.perHostWorkers()).isEqualTo(8);
    assertThat(processing.maxBackoff()).isEqualTo(Duration.ofMinutes(5));
    assertThat(processing.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(processing.reconcileAfter()).isEqualTo(Duration.ofMinutes(15));
    assertThat(processing.reconcileInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(processing.taskRetention()).isEqualTo(Duration.ofDays(30));
    assertThat(processing.keepObjects()).isFalse();
    assertThat(processing.fifo()).isFalse();
  }

  @Test
  void processingSettingsAreReadFromTheEnvironment() {
    var processing =
        UplinkConfig.fromEnvironment(
                Map.of(
                    "UPLINK_WORKERS_PER_HOST", "3",
                    "UPLINK_MAX_BACKOFF", "120",
                    "UPLINK_SHUTDOWN_GRACE", "0",
                    "UPLINK_RECONCILE_AFTER", "45",
                    "UPLINK_RECONCILE_INTERVAL", "10",
                    "UPLINK_TASK_RETENTION_DAYS", "7",
                    "UPLINK_KEEP_OBJECTS", "yes",
                    "UPLINK_QUEUE_FIFO", "TRUE"))
            .processing();
    assertThat(processing)
        .isEqualTo(
            new ProcessingSettings(
                3,
                Duration.ofMinutes(2),
                Duration.ZERO,
                Duration.ofSeconds(45),
                Duration.ofSeconds(10),
                Duration.ofDays(7),
                true,
                true));
  }

  @ParameterizedTest(name = "{0}={1} is refused")
  @CsvSource({
    "UPLINK_WORKERS_PER_HOST, 0, 'a whole number from 1 to 1024'",
    "UPLINK_WORKERS_PER_HOST, many, 'a whole number from 1 to 1024'",
    "UPLINK_MAX_BACKOFF, 0, 'a whole number from 1 to 43200'",
    "UPLINK_MAX_BACKOFF, 43201, 'a whole number from 1 to 43200'",
    "UPLINK_SHUTDOWN_GRACE, -1, 'a whole number from 0 to 3600'",
    "UPLINK_RECONCILE_AFTER, 0, 'a whole number from 1 to 86400'",
    "UPLINK_RECONCILE_INTERVAL, 1.5, 'a whole number from 1 to 86400'",
    "UPLINK_TASK_RETENTION_DAYS, 0, 'a whole number from 1 to 3650'",
    "UPLINK_TASK_RETENTION_DAYS, 30d, 'a whole number from 1 to 3650'",
    "UPLINK_KEEP_OBJECTS, maybe, 'true or false'",
    "UPLINK_QUEUE_FIFO, 2, 'true or false'"
  })
  void malformedProcessingValuesNameTheVariableAndWhatItExpects(
      String name, String value, String expected) {
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of(name, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("%s must be %s, got '%s'", name, expected, value);
  }

  @Test
  void processingSettingsRefuseImpossibleValuesWhenBuiltInCode() {
    var d = ProcessingSettings.defaults();
    assertThatThrownBy(
            () ->
                new ProcessingSettings(
                    0,
                    d.maxBackoff(),
                    d.shutdownGrace(),
                    d.reconcileAfter(),
                    d.reconcileInterval(),
                    d.taskRetention(),
                    false,
                    false))
        .hasMessageContaining("perHostWorkers");
    assertThatThrownBy(
            () ->
                new ProcessingSettings(
                    1,
                    d.maxBackoff(),
                    Duration.ofSeconds(-1),
                    d.reconcileAfter(),
                    d.reconcileInterval(),
                    d.taskRetention(),
                    false,
                    false))
        .hasMessageContaining("shutdownGrace");
    assertThatThrownBy(
            () ->
                new ProcessingSettings(
                    1,
                    d.maxBackoff(),
                    d.shutdownGrace(),
                    d.reconcileAfter(),
                    Duration.ZERO,
                    d.taskRetention(),
                    false,
                    false))
        .hasMessageContaining("reconcileInterval");
    assertThatThrownBy(
            () ->
                new ProcessingSettings(
                    1,
                    d.maxBackoff(),
                    d.shutdownGrace(),
                    d.reconcileAfter(),
                    d.reconcileInterval(),
                    Duration.ZERO,
                    false,
                    false))
        .hasMessageContaining("taskRetention");
  }

  @Test
  void withProcessingAndWithVisibilityReplaceOnlyTheirParts() {
    var config = UplinkConfig.fromEnvironment(Map.of("UPLINK_PORT", "9000"));
    var processing =
        new ProcessingSettings(
            2,
            Duration.ofSeconds(5),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(3),
            Duration.ofDays(1),
            true,
            false);

    var changed = config.withProcessing(processing).withVisibility(Duration.ofSeconds(7), 2);

    assertThat(changed.processing()).isEqualTo(processing);
    assertThat(changed.visibilityTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(changed.maxReceiveCount()).isEqualTo(2);
    assertThat(changed.port()).isEqualTo(9000);
    assertThat(changed.aws()).isEqualTo(config.aws());
    assertThat(changed.toString()).contains("processing=ProcessingSettings[perHostWorkers=2");
  }

  @Nested
  class TaskSecuritySettings {

    private static final String KEY = "a".repeat(32);
    private static final String OLD_KEY = "b".repeat(40);

    @Test
    void givenNothingSet_thenNoSealAndNoAllowList() {
      var security = UplinkConfig.fromEnvironment(Map.of()).security();

      assertThat(security.sealer()).isEmpty();
      assertThat(security.destinations()).isEmpty();
      assertThat(security.toString()).contains("seal=off").contains("destinations=any");
    }

    @Test
    void givenSealKeyAndPreviousKey_thenSealsWithTheKeyAndAcceptsBoth() {
      var security =
          UplinkConfig.fromEnvironment(
                  Map.of("UPLINK_TASK_SEAL_KEY", KEY, "UPLINK_TASK_SEAL_PREVIOUS_KEY", OLD_KEY))
              .security();
      UploadTask task =
          UploadTask.pending(
              TaskId.newId(),
              "alice",
              Destination.of("web-1", "/srv/a"),
              "uploads/a",
              1,
              "ab".repeat(32),
              Instant.EPOCH);

      TaskSealer sealer = security.sealer().orElseThrow();
      assertThat(sealer.verify(TaskSealer.of(OLD_KEY).seal(task)))
          .isEqualTo(TaskSealer.Verdict.VALID_UNDER_PREVIOUS_KEY);
      assertThat(TaskSealer.of(KEY).verify(sealer.seal(task))).isEqualTo(TaskSealer.Verdict.VALID);
      assertThat(UplinkConfig.fromEnvironment(Map.of("UPLINK_TASK_SEAL_KEY", KEY)).toString())
          .as("the configuration's description")
          .contains("seal=on")
          .doesNotContain(KEY);
    }

    @Test
    void givenSealKeysInSecrets_thenReadFromThem() {
      SecretSource store =
          reference ->
              switch (reference.id()) {
                case "uplink/task-seal-key" -> KEY;
                case "/uplink/task-seal-previous-key" -> OLD_KEY;
                default -> throw new ConfigException("no " + reference.id());
              };

      var security =
          UplinkConfig.fromEnvironment(
                  Map.of(
                      "UPLINK_TASK_SEAL_KEY_SECRET", "secretsmanager:uplink/task-seal-key",
                      "UPLINK_TASK_SEAL_PREVIOUS_KEY_SECRET", "ssm:/uplink/task-seal-previous-key"),
                  store)
              .security();

      assertThat(security.sealer())
          .get()
          .extracting(TaskSealer::acceptsPreviousKey)
          .isEqualTo(true);
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = ';',
        value = {
          "short-key; ''; UPLINK_TASK_SEAL_KEY: the seal key must have at least 32 bytes",
          "''; bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb; UPLINK_TASK_SEAL_PREVIOUS_KEY is set without"
              + " UPLINK_TASK_SEAL_KEY",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; short; UPLINK_TASK_SEAL_PREVIOUS_KEY: the previous seal"
              + " key must have at least 32 bytes",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;"
              + " UPLINK_TASK_SEAL_PREVIOUS_KEY: the previous seal key is the current one"
        })
    void givenUnusableSealKeys_thenRefusedNamingTheVariableNotTheValue(
        String key, String previous, String why) {
      assertThatThrownBy(
              () ->
                  UplinkConfig.fromEnvironment(
                      Map.of(
                          "UPLINK_TASK_SEAL_KEY", key,
                          "UPLINK_TASK_SEAL_PREVIOUS_KEY", previous)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(why)
          .hasMessageNotContaining("short-key");
    }

    @Test
    void givenDestinations_thenTheAllowListHasThoseGrants() {
      var destinations =
          UplinkConfig.fromEnvironment(
                  Map.of("UPLINK_DESTINATIONS", "web-*:/srv/uploads/|db-?:/import"))
              .security()
              .destinations()
              .orElseThrow();

      assertThat(destinations.allows(Destination.of("web-7", "/srv/uploads/a.txt"))).isTrue();
      assertThat(destinations.allows(Destination.of("db-1", "/import/x"))).isTrue();
      assertThat(destinations.allows(Destination.of("db-1", "/etc/passwd"))).isFalse();
      assertThat(destinations.allows(Destination.of("mail-1", "/srv/uploads/a.txt"))).isFalse();
    }

    @Test
    void givenMalformedDestinations_thenRefusedNamingTheVariable() {
      assertThatThrownBy(
              () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_DESTINATIONS", "web-*:relative/")))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("UPLINK_DESTINATIONS")
          .hasMessageContaining("absolute");
    }
  }
}
