/**
 * What operators do to a running Uplink: read the dead-letter queue, send its messages back to the
 * work queue (redrive), purge it, and retry FAILED tasks. {@link
 * dev.uplink.core.operations.OperatorService} is the one entry point, on the ports {@link
 * dev.uplink.core.domain.TaskStore}, {@link dev.uplink.core.domain.TaskQueue} and {@link
 * dev.uplink.core.operations.DeadLetterQueue}; the HTTP API and the command line call it alike. Its
 * results are records whose {@code toJson()} gives JSON-ready maps, so both print the same thing.
 */
package dev.uplink.core.operations;
