/**
 * Webhooks as the domain knows them: an owner's {@link
 * dev.uplink.core.domain.webhooks.WebhookEndpoint}s and their secrets, which URLs and addresses one
 * may reach ({@link dev.uplink.core.domain.webhooks.WebhookUrlPolicy}), the Standard Webhooks
 * signature, one delivery on its queue and each attempt, and the ports that keep them.
 */
package dev.uplink.core.domain.webhooks;
