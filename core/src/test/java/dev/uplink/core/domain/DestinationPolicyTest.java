package dev.uplink.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DestinationPolicyTest {

  private final DestinationPolicy web = DestinationPolicy.parse("web-*:/srv/uploads/|db-?:/import");

  @Test
  void aDestinationIsAllowedWhenOneGrantCoversBothInstanceAndPath() {
    assertThat(web.allows(Destination.of("web-1", "/srv/uploads/a/b.txt"))).isTrue();
    assertThat(web.allows(Destination.of("db-2", "/import/x.csv"))).isTrue();
    assertThat(web.allows(Destination.of("db-2", "/srv/uploads/x"))).isFalse();
    assertThat(web.allows(Destination.of("db-22", "/import/x.csv"))).isFalse();
  }

  @Test
  void aPrefixIsADirectoryNotAStringPrefix() {
    assertThat(web.allows(Destination.of("web-1", "/srv/uploads-old/a"))).isFalse();
    assertThat(web.allows(Destination.of("db-1", "/importer/a"))).isFalse();
  }

  @Test
  void patternsMatchTheWholeInstanceName() {
    assertThat(web.allows(Destination.of("xweb-1", "/srv/uploads/a"))).isFalse();
    assertThat(web.allows(Destination.of("web-a1", "/srv/uploads/a"))).isTrue();
  }

  @Test
  void theRefusedFieldIsTheContainerWhenNoPatternMatchesItElseThePath() {
    assertThat(web.refusedField(Destination.of("api-1", "/srv/uploads/a"))).contains("container");
    assertThat(web.refusedField(Destination.of("web-1", "/etc/passwd"))).contains("path");
    assertThat(web.refusedField(Destination.of("web-1", "/srv/uploads/a"))).isEmpty();
  }

  @Test
  void allowAllCoversEveryDestination() {
    assertThat(DestinationPolicy.allowAll().allows(Destination.of("any", "/etc/x"))).isTrue();
  }

  @Test
  void malformedGrantsAreRefusedWithTheExpectedForm() {
    assertThatThrownBy(() -> DestinationPolicy.parse("web-*"))
        .hasMessageContaining("instance-pattern:/path/prefix/");
    assertThatThrownBy(() -> DestinationPolicy.parse("web-*:srv")).hasMessageContaining("absolute");
    assertThatThrownBy(() -> DestinationPolicy.parse("web-*:/srv/../etc"))
        .hasMessageContaining("..");
    assertThatThrownBy(() -> DestinationPolicy.parse("we.b:/srv")).hasMessageContaining("letters");
    assertThatThrownBy(() -> DestinationPolicy.parse(" ")).hasMessageContaining("at least one");
  }
}
