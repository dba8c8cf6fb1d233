package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.processor.incus.sftp.SftpSession;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SftpSessionPoolTest {

  private final AtomicLong now = new AtomicLong();
  private final List<SftpSession> opened = new ArrayList<>();
  private final SftpSessionPool pool =
      new SftpSessionPool(
          instance -> {
            SftpSession session = handshaken();
            opened.add(session);
            return session;
          },
          Duration.ofSeconds(30),
          2,
          now::get);

  @Test
  void givenASessionGivenBack_whenBorrowingForTheSameInstance_thenItIsReused() throws Exception {
    var first = pool.borrow(IncusInstance.of("web"));
    pool.giveBack(first);

    var second = pool.borrow(IncusInstance.of("web"));

    assertThat(second.session()).isSameAs(first.session());
    assertThat(second.reused()).isTrue();
    assertThat(opened).hasSize(1);
  }

  @Test
  void givenASessionOfAnotherInstance_whenBorrowing_thenANewOneIsOpened() throws Exception {
    pool.giveBack(pool.borrow(IncusInstance.of("web")));

    var other = pool.borrow(IncusInstance.of("db"));

    assertThat(other.reused()).isFalse();
    assertThat(opened).hasSize(2);
  }

  @Test
  void givenASessionOfTheSameNameInAnotherProject_whenBorrowing_thenANewOneIsOpened()
      throws Exception {
    var inDefault = pool.borrow(IncusInstance.of("web"));
    pool.giveBack(inDefault);

    var inTeamA = pool.borrow(new IncusInstance("team-a", "web"));

    assertThat(inTeamA.reused())
        .as("a session into default/web is no session into team-a/web")
        .isFalse();
    assertThat(inTeamA.session()).isNotSameAs(inDefault.session());
    assertThat(opened).hasSize(2);
  }

  @Test
  void givenABrokenSession_whenGivenBack_thenItIsClosedAndNeverLentAgain() throws Exception {
    var lease = pool.borrow(IncusInstance.of("web"));
    lease.session().close(); // what a broken stream does to it

    pool.giveBack(lease);

    assertThat(pool.idleCount()).isZero();
    assertThat(pool.borrow(IncusInstance.of("web")).session()).isNotSameAs(lease.session());
  }

  @Test
  void givenASessionIdlePastTheTimeout_whenBorrowing_thenItIsClosedAndAFreshOneOpened()
      throws Exception {
    var lease = pool.borrow(IncusInstance.of("web"));
    pool.giveBack(lease);
    now.addAndGet(Duration.ofSeconds(31).toNanos());

    var next = pool.borrow(IncusInstance.of("web"));

    assertThat(next.session()).isNotSameAs(lease.session());
    assertThat(lease.session().isBroken()).as("the stale one is closed").isTrue();
  }

  @Test
  void givenMoreSessionsGivenBackThanMayWait_whenGivenBack_thenTheSurplusIsClosed()
      throws Exception {
    var a = pool.borrow(IncusInstance.of("web"));
    var b = pool.borrow(IncusInstance.of("web"));
    var c = pool.borrow(IncusInstance.of("web"));

    pool.giveBack(a);
    pool.giveBack(b);
    pool.giveBack(c);

    assertThat(pool.idleCount()).isEqualTo(2);
    assertThat(opened.stream().filter(SftpSession::isBroken)).hasSize(1);
  }

  @Test
  void givenIdleSessions_whenThePoolCloses_thenAllAreClosedAndLaterOnesToo() throws Exception {
    var a = pool.borrow(IncusInstance.of("web"));
    var b = pool.borrow(IncusInstance.of("web"));
    pool.giveBack(a);

    pool.close();
    pool.giveBack(b);

    assertThat(opened).allMatch(SftpSession::isBroken);
  }

  /** A session whose server answered the handshake (SSH_FXP_VERSION 3) and nothing else. */
  private static SftpSession handshaken() {
    try {
      var version = new ByteArrayOutputStream();
      var out = new DataOutputStream(version);
      byte[] name = "posix-rename@openssh.com".getBytes();
      out.writeInt(1 + 4 + 4 + name.length + 4 + 1);
      out.writeByte(2);
      out.writeInt(3);
      out.writeInt(name.length);
      out.write(name);
      out.writeInt(1);
      out.write('1');
      return SftpSession.start(
          new ByteArrayInputStream(version.toByteArray()), new ByteArrayOutputStream(), () -> {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
