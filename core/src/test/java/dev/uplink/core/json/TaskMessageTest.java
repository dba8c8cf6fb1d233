package dev.uplink.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.TaskId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskMessageTest {

  @Test
  void aMessageCarriesOnlyTheTaskIdAndReadsBack() {
    var id = TaskId.newId();
    String body = TaskMessage.bodyFor(id);
    assertThat(body).isEqualTo("{\"task_id\":\"" + id + "\"}");
    assertThat(TaskMessage.parse(body)).contains(id);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "not json",
        "[]",
        "{}",
        "{\"task_id\":42}",
        "{\"task_id\":\"not-a-ulid\"}",
        "{\"taskId\":\"01JDQ7Z8X9Y0ABCDEFGHJKMNPQ\"}"
      })
  void poisonBodiesParseToNothingInsteadOfThrowing(String body) {
    assertThat(TaskMessage.parse(body)).isEmpty();
  }
}
