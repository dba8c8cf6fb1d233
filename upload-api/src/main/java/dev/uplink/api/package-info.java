/**
 * The upload use case without HTTP: {@link dev.uplink.api.UploadService} streams a body into the
 * object store, records the task and announces it. It depends only on the domain ports, so the HTTP
 * adapter ({@code dev.uplink.api.http}) and the tests can drive it with any store or queue.
 */
package dev.uplink.api;
