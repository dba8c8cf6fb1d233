package dev.uplink.core.operations;

/** An operator's request that cannot be carried out as asked; nothing was changed. */
public final class InvalidOperatorRequestException extends IllegalArgumentException {

  private final String field;

  public InvalidOperatorRequestException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault, e.g. {@code ids} or {@code rate}. */
  public String field() {
    return field;
  }
}
