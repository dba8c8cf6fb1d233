/**
 * The Uplink domain: upload tasks, their state machine, destinations and the ports (task store,
 * task queue, object store) that adapters implement. Nothing here depends on the AWS SDK or on
 * HTTP; an ArchUnit test enforces that.
 */
package dev.uplink.core.domain;
