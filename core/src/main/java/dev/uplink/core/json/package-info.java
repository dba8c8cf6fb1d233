/**
 * The JSON that crosses a process boundary and is not an HTTP answer: the queue messages' body
 * ({@link dev.uplink.core.json.TaskMessage}). The only package of core that uses Jackson, so that
 * the domain stays free of it; an ArchUnit test enforces that.
 */
package dev.uplink.core.json;
