package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.domain.InvalidDestinationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink upload FILE --container NAME --path /ABS/PATH}: one file into one instance. */
@Command(
    name = "upload",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Upload FILE into an instance: streamed through the API (the default), or with --presigned"
          + " straight to the object store (one PUT up to --multipart-threshold, parts above it).",
      "Prints the task (id, status, size, destination); with --wait, waits until it is delivered.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:uploaded (with --wait: DONE)",
      "1:failed (with --wait: FAILED or CANCELLED)",
      "2:usage error"
    })
final class UploadCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The file to upload.")
  private Path file;

  @Option(
      names = "--container",
      required = true,
      paramLabel = "NAME",
      description = "The instance to put the file in.")
  private String container;

  @Option(
      names = "--project",
      paramLabel = "PROJECT",
      description = "The Incus project the instance is in (default: default), as incus --project.")
  private String project;

  @Option(
      names = "--path",
      required = true,
      paramLabel = "/ABS/PATH",
      description = "Where in the instance; ending in / means that directory, under FILE's name.")
  private String path;

  @Option(
      names = "--mode",
      paramLabel = "OCTAL",
      description =
          "The file's mode, octal 0000-0777, e.g. 0640 (default: the API's, 0644); setuid,"
              + " setgid and sticky bits are refused, as Incus cannot set them.")
  private String mode;

  @Option(names = "--uid", paramLabel = "UID", description = "The file's owner (default 0).")
  private Long uid;

  @Option(names = "--gid", paramLabel = "GID", description = "The file's group (default 0).")
  private Long gid;

  @Option(
      names = "--presigned",
      description = "Send the bytes straight to the object store with presigned URLs.")
  private boolean presigned;

  @Option(
      names = "--multipart-threshold",
      paramLabel = "SIZE",
      defaultValue = "64MiB",
      converter = SizeConverter.class,
      description =
          "With --presigned: files larger than this go in parts (default: ${DEFAULT-VALUE};"
              + " K, M, G are powers of 1024, KB, MB, GB of 1000).")
  private long multipartThreshold;

  @Option(
      names = "--idempotency-key",
      paramLabel = "KEY",
      description =
          "Sent as Idempotency-Key: running the same upload again gets the same task back (and"
              + " resumes a presigned upload in parts).")
  private String idempotencyKey;

  @Mixin private WaitOptions waiting;
  @Mixin private ProgressOptions progress;
  @Mixin private OutputOptions output;
  @Mixin private ApiOptions api;

  @Override
  public Integer call() throws IOException {
    UploadDestination destination = destination();
    Optional<Duration> timeout = waiting.timeout();
    long size = readableFileSize();
    ApiClient client = api.client();
    ProgressMeter meter = progress.meter();
    Map<String, String> headers =
        idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey);
    String id =
        presigned
            ? new PresignedUpload(client, meter)
                .upload(file, size, destination, multipartThreshold, headers)
            : StreamedUpload.upload(client, file, size, destination, headers, meter);
    if (!waiting.enabled()) {
      output.task(client.get(TaskPaths.task(id)).body(), TaskFormat::summary);
      return 0;
    }
    JsonNode finished = TaskWaiter.await(client, id, timeout, meter);
    return output.finishedTask(finished, TaskFormat::summary);
  }

  /** The destination, checked with the API's rules: a mistake there is a usage error. */
  private UploadDestination destination() {
    String target = path;
    if (target.endsWith("/") && file.getFileName() != null) {
      target = target + file.getFileName();
    }
    try {
      return UploadDestination.checked(
          Optional.ofNullable(project),
          container,
          target,
          Optional.ofNullable(mode),
          Optional.ofNullable(uid),
          Optional.ofNullable(gid));
    } catch (InvalidDestinationException e) {
      // The remote is part of --container (remote:instance), as the incus CLI writes it.
      String option = e.field().equals("remote") ? "container" : e.field();
      throw new ParameterException(spec.commandLine(), "--" + option + " " + e.reason());
    }
  }

  private long readableFileSize() throws IOException {
    if (!Files.exists(file)) {
      throw new CliException("no such file: " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new CliException("not a regular file: " + file);
    }
    if (!Files.isReadable(file)) {
      throw new CliException("cannot read " + file + ": permission denied");
    }
    return Files.size(file);
  }

  /** Reads {@code 64MiB}, {@code 100MB}, {@code 1G}, {@code 1048576}. */
  static final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return Bytes.parse(value);
    }
  }
}
