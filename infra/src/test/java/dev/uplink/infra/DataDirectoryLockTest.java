package dev.uplink.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryLockTest {

  @Test
  void givenAHeldDirectory_whenLockedAgain_thenRefusedNamingTheDirectoryAndTheWayOut(
      @TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    try (var held = DataDirectoryLock.acquire(data)) {
      assertThatThrownBy(() -> DataDirectoryLock.acquire(data))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another uplink local is running")
          .hasMessageContaining(data.toString())
          .hasMessageContaining("UPLINK_DATA_DIR");
    }
    try (var again = DataDirectoryLock.acquire(data)) {
      assertThat(data.resolve(DataDirectoryLock.FILE)).exists();
    }
  }
}
