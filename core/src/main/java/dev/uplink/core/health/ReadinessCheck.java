package dev.uplink.core.health;

import java.util.Objects;

/**
 * One dependency {@code /readyz} checks.
 *
 * @param name what it is, e.g. {@code s3}, {@code incus:https://incus.example:8443}
 * @param check throws if the dependency does not answer as it should
 */
public record ReadinessCheck(String name, Check check) {

  public ReadinessCheck {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(check, "check");
  }

  /** A check of one dependency: returns if it answered, throws saying why it did not. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }
}
