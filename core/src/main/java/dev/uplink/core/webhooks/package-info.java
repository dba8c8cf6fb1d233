/**
 * Webhooks at work: {@link dev.uplink.core.webhooks.WebhookFanOut} turns each task event into one
 * delivery per endpoint that wants it, on the delivery queue; {@link
 * dev.uplink.core.webhooks.WebhookDeliverer} sends one (signed, to a checked address, no redirects,
 * small timeouts) and records the attempt; {@link dev.uplink.core.webhooks.WebhookDeliveryPoller}
 * runs it on the queue where no function does.
 */
package dev.uplink.core.webhooks;
