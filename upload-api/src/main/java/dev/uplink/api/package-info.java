/**
 * The upload use case without HTTP. {@link dev.uplink.api.UploadService} streams a body into the
 * object store; {@link dev.uplink.api.DirectUploadService} hands out presigned URLs and checks what
 * arrived ({@code UploadCompletion}); both hand their tasks to one {@code TaskIntake}, which
 * records them and, once their bytes are stored, marks them PENDING and publishes them. It depends
 * only on the domain ports, so the HTTP adapter ({@code dev.uplink.api.http}), the Lambda entry
 * points and the tests can drive it with any store or queue; {@link dev.uplink.api.UploadServices}
 * builds it on AWS.
 */
package dev.uplink.api;
