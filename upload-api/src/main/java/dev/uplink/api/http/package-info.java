/**
 * The HTTP adapter of the upload API: Javalin on Jetty, one virtual thread per request, bodies
 * streamed from the socket into {@link dev.uplink.api.UploadService} (raw or multipart, never
 * buffered or spooled to disk), errors as RFC 9457 {@code application/problem+json}.
 */
package dev.uplink.api.http;
