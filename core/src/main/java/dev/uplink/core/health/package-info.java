/**
 * What a process answers at {@code /healthz}, {@code /readyz} and {@code /metrics}, whichever HTTP
 * server carries it (the upload API's Javalin, the container-mode poller's JDK server): the
 * readiness checks, run together under one timeout, and the documents and media types of the
 * answers, so every process answers alike. No HTTP server here, only what to say.
 */
package dev.uplink.core.health;
