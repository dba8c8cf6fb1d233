package dev.uplink.processor.incus;

import dev.uplink.core.domain.Destination;
import java.util.Objects;

/**
 * An instance as one Incus server names it: a project and the instance's name in it. Two instances
 * of the same name in two projects are different instances, with sessions of their own.
 *
 * @param project the Incus project ({@value Destination#DEFAULT_PROJECT} unless named)
 * @param name the instance's name in that project
 */
public record IncusInstance(String project, String name) {

  public IncusInstance {
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(name, "name");
  }

  /** The instance {@code name} in the {@value Destination#DEFAULT_PROJECT} project. */
  public static IncusInstance of(String name) {
    return new IncusInstance(Destination.DEFAULT_PROJECT, name);
  }

  /** The instance a destination names (its remote is the caller's business). */
  public static IncusInstance of(Destination destination) {
    return new IncusInstance(destination.project(), destination.instance());
  }

  /** As the incus CLI shows it with {@code --project}: {@code project/name}. */
  @Override
  public String toString() {
    return project + "/" + name;
  }
}
