/**
 * What keeps one client from starving or exhausting the upload API, in plain Java (the HTTP layer
 * applies it): {@link dev.uplink.api.admission.FairShare} shares slots and memory among owners,
 * {@link dev.uplink.api.admission.UploadBuffers} budgets the part buffers of streamed uploads,
 * {@link dev.uplink.api.admission.RateFloor} ends uploads that send too slowly, and {@link
 * dev.uplink.api.admission.AdmittedBody} is an upload's body under all three.
 */
package dev.uplink.api.admission;
