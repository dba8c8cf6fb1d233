package dev.uplink.core.domain.webhooks;

/** A webhook URL, or the address it resolved to, that the {@link WebhookUrlPolicy} refuses. */
public final class WebhookUrlRejectedException extends RuntimeException {

  public WebhookUrlRejectedException(String message) {
    super(message);
  }
}
