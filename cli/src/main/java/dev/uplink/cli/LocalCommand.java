package dev.uplink.cli;

import dev.uplink.infra.UplinkLocal;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code uplink local}: infra's {@link UplinkLocal}, the whole pipeline on this machine, or with
 * {@code --emulators-only} its emulated AWS alone, for {@code uplink api} and {@code uplink
 * processor} run on their own.
 */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline locally until Ctrl+C: emulated S3, SQS and DynamoDB in this process,"
          + " the upload API on 127.0.0.1 and the processor. Prints the API's URL, the development"
          + " keys, and the export lines that point another shell's uplink (dlq and retry too) at"
          + " this stack.",
      "Files go into $UPLINK_INCUS_URL's instances if it is set (with UPLINK_INCUS_CERT,"
          + " UPLINK_INCUS_KEY, UPLINK_INCUS_SERVER_CERT), else to"
          + " $UPLINK_DATA_DIR/instances/NAME/PATH (default ./uplink-data). Every UPLINK_*"
          + " variable of the README's configuration table applies.",
      "With --emulators-only it runs the emulated S3, SQS and DynamoDB alone, provisioned as for"
          + " the whole pipeline, and prints the export lines that point uplink api, uplink"
          + " processor and the operators' commands at them.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:stopped (Ctrl+C or SIGTERM)",
      "1:could not start",
      "2:usage error, or an UPLINK_* variable is wrong"
    })
final class LocalCommand implements Callable<Integer> {

  /**
   * A class of each emulator's: uplink.jar leaves them out (./uplink local runs with them, from
   * cli/target/local/), so the command says how to run it instead of failing on a missing class
   * halfway through starting.
   */
  static final List<String> EMULATOR_CLASSES =
      List.of(
          "org.elasticmq.rest.sqs.SQSRestServerBuilder",
          "com.amazonaws.services.dynamodbv2.local.main.ServerRunner",
          "org.gaul.s3proxy.S3Proxy");

  @Spec private CommandSpec spec;

  @Option(
      names = "--emulators-only",
      description =
          "Only the emulated S3, SQS and DynamoDB (provisioned as template.yaml declares): no API,"
              + " no processor.")
  private boolean emulatorsOnly;

  @Override
  public Integer call() throws InterruptedException {
    if (!emulatorsPresent()) {
      spec.commandLine()
          .getErr()
          .println(
              "uplink local needs the emulators, which uplink.jar leaves out: run ./uplink local"
                  + " (it builds cli/target/local/ and runs java -cp 'cli/target/local/*'"
                  + " dev.uplink.cli.UplinkCommand local)");
      return 1;
    }
    UplinkLocal.run(emulatorsOnly); // runs until stopped, then exits the JVM itself
    return 0;
  }

  private static boolean emulatorsPresent() {
    ClassLoader loader = LocalCommand.class.getClassLoader();
    return EMULATOR_CLASSES.stream()
        .allMatch(name -> loader.getResource(name.replace('.', '/') + ".class") != null);
  }
}
