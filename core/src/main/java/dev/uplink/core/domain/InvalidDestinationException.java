package dev.uplink.core.domain;

/** A destination field that breaks Incus's rules or ours; {@link #field()} names which one. */
public final class InvalidDestinationException extends IllegalArgumentException {

  private final String field;

  public InvalidDestinationException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /**
   * The offending field: {@code container}, {@code path}, {@code mode}, {@code uid} or {@code gid}.
   */
  public String field() {
    return field;
  }

  /** The reason without the field name. */
  public String reason() {
    return getMessage().substring(field.length() + 2);
  }
}
