package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.InvalidDestinationException;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The API knows the Incus remotes by name")
class KnownRemotesTest {

  private static final Destination WEB = Destination.of("web", "/srv/f");

  @Test
  @DisplayName("the default remote and the named ones are known")
  void knownRemotes() {
    var remotes = new KnownRemotes(List.of("lab", "edge"));

    assertThatCode(() -> remotes.require(WEB)).doesNotThrowAnyException();
    assertThatCode(() -> remotes.require(WEB.on("edge", null))).doesNotThrowAnyException();
  }

  @Test
  @DisplayName("another remote is refused, naming the field remote and the remotes there are")
  void unknownRemote() {
    assertThatThrownBy(() -> new KnownRemotes(List.of("lab", "edge")).require(WEB.on("dc2", null)))
        .isInstanceOfSatisfying(
            InvalidDestinationException.class, e -> assertThat(e.field()).isEqualTo("remote"))
        .hasMessageContaining("'dc2' is not an Incus remote of this deployment: it has lab, edge");
  }

  @Test
  @DisplayName("without UPLINK_INCUS_REMOTES, every named remote is refused")
  void defaultOnly() {
    assertThatThrownBy(() -> KnownRemotes.defaultOnly().require(WEB.on("lab", null)))
        .isInstanceOf(InvalidDestinationException.class)
        .hasMessageContaining("it has only the default remote");
  }
}
