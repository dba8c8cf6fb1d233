package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;

/** The target has no instance of that name. Permanent. */
public final class InstanceNotFoundException extends PushException {

  private final String instance;

  public InstanceNotFoundException(String instance, String message) {
    super(TaskError.INSTANCE_NOT_FOUND, true, message, null);
    this.instance = instance;
  }

  public String instance() {
    return instance;
  }
}
