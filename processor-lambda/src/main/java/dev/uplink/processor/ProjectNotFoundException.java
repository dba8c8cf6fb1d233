package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;

/**
 * The target has no project of that name (an instance is looked up within its project). Permanent:
 * distinct from {@link InstanceNotFoundException}, since the fix is another (creating a project, or
 * naming the right one).
 */
public final class ProjectNotFoundException extends PushException {

  private final String project;

  public ProjectNotFoundException(String project, String message) {
    super(TaskError.PROJECT_NOT_FOUND, true, message, null);
    this.project = project;
  }

  public String project() {
    return project;
  }
}
