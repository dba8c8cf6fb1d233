package dev.uplink.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
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
    assertThat(DestinationPolicy.allowAll().allows(in("r2", "team-b", "any", "/etc/x"))).isTrue();
  }

  private static Destination in(String remote, String project, String instance, String path) {
    return Destination.of(instance, path).on(remote, project);
  }

  @Nested
  @DisplayName(
      "Grants name projects and remotes as the incus CLI does: [remote:][project/]instance")
  class ProjectsAndRemotes {

    @Test
    @DisplayName("A grant without a project covers the default project only")
    void aGrantWithoutAProjectCoversTheDefaultProjectOnly() {
      assertThat(web.allows(in("", "default", "web-1", "/srv/uploads/a"))).isTrue();
      assertThat(web.allows(in("", "team-a", "web-1", "/srv/uploads/a"))).isFalse();
      assertThat(web.refusedField(in("", "team-a", "web-1", "/srv/uploads/a"))).contains("project");
    }

    @Test
    @DisplayName("A grant naming a project covers that project only")
    void aGrantNamingAProjectCoversThatProjectOnly() {
      var teamA = DestinationPolicy.parse("team-a/web-*:/srv/");
      assertThat(teamA.allows(in("", "team-a", "web-1", "/srv/a"))).isTrue();
      assertThat(teamA.allows(in("", "team-b", "web-1", "/srv/a"))).isFalse();
      assertThat(teamA.allows(Destination.of("web-1", "/srv/a")))
          .as("the default project")
          .isFalse();
      assertThat(teamA.refusedField(in("", "team-b", "web-1", "/srv/a"))).contains("project");
      assertThat(teamA.refusedField(in("", "team-a", "db-1", "/srv/a"))).contains("container");
      assertThat(teamA.refusedField(in("", "team-a", "web-1", "/etc/a"))).contains("path");
    }

    @Test
    @DisplayName("* as the project covers every project, and patterns work in project names")
    void starAsTheProjectCoversEveryProject() {
      var any = DestinationPolicy.parse("*/web-*:/srv/|team-?/db:/import/");
      assertThat(any.allows(in("", "default", "web-1", "/srv/a"))).isTrue();
      assertThat(any.allows(in("", "anything.else", "web-1", "/srv/a"))).isTrue();
      assertThat(any.allows(in("", "team-b", "db", "/import/a"))).isTrue();
      assertThat(any.allows(in("", "team-bb", "db", "/import/a"))).isFalse();
    }

    @Test
    @DisplayName("A grant without a remote covers the default remote only; *: covers every remote")
    void aGrantWithoutARemoteCoversTheDefaultRemoteOnly() {
      assertThat(web.allows(in("r2", "default", "web-1", "/srv/uploads/a"))).isFalse();
      assertThat(web.refusedField(in("r2", "default", "web-1", "/srv/uploads/a")))
          .contains("remote");
      var everywhere = DestinationPolicy.parse("*:web-*:/srv/");
      assertThat(everywhere.allows(in("", "default", "web-1", "/srv/a"))).isTrue();
      assertThat(everywhere.allows(in("r2", "default", "web-1", "/srv/a"))).isTrue();
      assertThat(everywhere.allows(in("r2", "team-a", "web-1", "/srv/a")))
          .as("no project named: the default one only")
          .isFalse();
    }

    @Test
    @DisplayName("A grant naming a remote covers that remote only, not the default one")
    void aGrantNamingARemoteCoversThatRemoteOnly() {
      var r2 = DestinationPolicy.parse("r2:team-a/web-*:/srv/");
      assertThat(r2.allows(in("r2", "team-a", "web-1", "/srv/a"))).isTrue();
      assertThat(r2.allows(in("r3", "team-a", "web-1", "/srv/a"))).isFalse();
      assertThat(r2.allows(in("", "team-a", "web-1", "/srv/a"))).isFalse();
      assertThat(r2.refusedField(in("", "team-a", "web-1", "/srv/a"))).contains("remote");
      assertThat(r2.refusedField(in("r2", "default", "web-1", "/srv/a"))).contains("project");
    }

    @Test
    @DisplayName("The refused field is judged among the grants that match the fields before it")
    void theRefusedFieldIsJudgedAmongTheGrantsThatMatchTheFieldsBeforeIt() {
      var policy = DestinationPolicy.parse("team-a/web-1:/srv/|team-b/db-1:/import/");
      assertThat(policy.refusedField(in("", "team-a", "db-1", "/import/a"))).contains("container");
      assertThat(policy.refusedField(in("", "team-b", "db-1", "/srv/a"))).contains("path");
    }

    @Test
    @DisplayName("A grant reads back as written, without the defaults")
    void aGrantReadsBackAsWritten() {
      String written = "web-*:/srv/|team-a/db:/import/|*:*/x-?:/|r2:web:/a/";
      assertThat(DestinationPolicy.parse(written)).hasToString(written);
      var grant = DestinationPolicy.parse("r2:team-a/web-*:/srv").grants().get(0);
      assertThat(grant.remotePattern()).isEqualTo("r2");
      assertThat(grant.projectPattern()).isEqualTo("team-a");
      assertThat(grant.instancePattern()).isEqualTo("web-*");
      assertThat(grant.pathPrefix()).isEqualTo("/srv/");
      var plain = DestinationPolicy.parse("web:/srv").grants().get(0);
      assertThat(plain.remotePattern()).isEmpty();
      assertThat(plain.projectPattern()).isEqualTo("default");
    }

    @Test
    @DisplayName("Malformed remotes and projects are refused, naming what is wrong")
    void malformedRemotesAndProjectsAreRefused() {
      assertThatThrownBy(() -> DestinationPolicy.parse(":web:/srv")).hasMessageContaining("empty");
      assertThatThrownBy(() -> DestinationPolicy.parse("/web:/srv")).hasMessageContaining("empty");
      assertThatThrownBy(() -> DestinationPolicy.parse("r2:team/:/srv"))
          .hasMessageContaining("empty");
      assertThatThrownBy(() -> DestinationPolicy.parse("te am/web:/srv"))
          .hasMessageContaining("project pattern");
      assertThatThrownBy(() -> DestinationPolicy.parse("r#2:web:/srv"))
          .hasMessageContaining("remote pattern");
      assertThatThrownBy(() -> DestinationPolicy.parse("a/b/web:/srv"))
          .hasMessageContaining("instance pattern");
    }
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
