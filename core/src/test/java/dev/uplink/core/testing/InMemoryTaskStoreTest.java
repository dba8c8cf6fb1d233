package dev.uplink.core.testing;

import dev.uplink.core.domain.TaskStore;
import java.time.Clock;

/** The fake keeps the contract the DynamoDB store keeps. */
class InMemoryTaskStoreTest extends TaskStoreContract {

  @Override
  protected TaskStore newStore(Clock clock) {
    return new InMemoryTaskStore(clock);
  }
}
