package dev.uplink.core.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskIdTest {

  @Test
  void idsSortByCreationTime() {
    var first = TaskId.newId();
    var second = TaskId.newId();
    assertThat(first.value()).isLessThan(second.value());
  }
}
