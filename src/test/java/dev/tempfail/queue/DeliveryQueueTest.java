package dev.tempfail.queue;

import dev.tempfail.testsupport.TestQueues;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryQueueTest {
    private static final dev.tempfail.config.RetryConfig RETRY = dev.tempfail.config.ConfigLoader.defaults().retry();
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Instant LEASE_END = Instant.parse("2030-01-01T00:00:00Z"); // wall clock, far ahead

    @TempDir Path dir;
    @AutoClose private Database db;
    private DeliveryQueue queue;
    private QueueStore store;

    @BeforeEach
    void open() {
        db = TestQueues.open(dir, 4);
        queue = new DeliveryQueue(db, new Wakeup(), "node-a");
        store = new QueueStore(db, new Wakeup());
    }

    private String enqueue(Instant at, String... recipients) throws Exception {
        String id = QueueIds.next(Clock.fixed(at, ZoneOffset.UTC));
        store.enqueue(new NewMessage(id, "s@example.org",
                java.util.Arrays.stream(recipients).map(r -> new NewMessage.NewRecipient(r, null, null)).toList(),
                db.bodies().put(id, "Subject: t\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)), at, null, null, null, false, "127.0.0.1", "h", false));
        return id;
    }

    private static Attempt deferred(Instant at, Instant next) {
        return new Attempt(at, "mx.example.com", "127.0.0.1", "rcpt", 451, "4.7.1", "4.7.1 Greylisted", "transient",
                "greylisted", 1, RecipientState.DEFERRED, next, false);
    }

    private static Attempt delivered(Instant at) {
        return new Attempt(at, "mx.example.com", "127.0.0.1", "data", 250, "2.0.0", "2.0.0 Ok", "delivered",
                null, 0, RecipientState.DELIVERED, null, false);
    }

    @Test
    void leasesDueRecipientsOldestFirstAndNotTwice() throws Exception {
        enqueue(T0.plusSeconds(2), "late@example.com");
        enqueue(T0, "early@example.com");
        assertEquals(List.of(), queue.lease(T0.minusSeconds(1), LEASE_END, 10), "nothing is due before its time");

        List<Leased> first = queue.lease(T0.plusSeconds(5), LEASE_END, 1);
        assertEquals(List.of("early@example.com"), first.stream().map(Leased::address).toList());
        List<Leased> second = queue.lease(T0.plusSeconds(5), LEASE_END, 10);
        assertEquals(List.of("late@example.com"), second.stream().map(Leased::address).toList());
        assertEquals(List.of(), queue.lease(T0.plusSeconds(5), LEASE_END, 10), "leased recipients are not handed out again");
    }

    @Test
    void aLeaseThatExpiresInRealTimeIsReclaimed() throws Exception {
        enqueue(T0, "r@example.com");
        Instant wall = Instant.parse("2026-11-23T12:00:00Z");
        assertEquals(1, queue.lease(T0, wall.plusSeconds(60), 10).size());
        assertTrue(queue.nextDue().isEmpty(), "a leased recipient is not due, however far the relay's clock runs");
        assertEquals(0, queue.lease(T0.plus(Duration.ofDays(10)), wall.plusSeconds(60), 10).size());

        assertEquals(0, queue.reclaimExpiredLeases(wall.plusSeconds(59), T0), "not expired yet");
        assertEquals(1, queue.reclaimExpiredLeases(wall.plusSeconds(61), T0.plusSeconds(5)));
        List<Leased> again = queue.lease(T0.plusSeconds(5), wall.plusSeconds(120), 10);
        assertEquals(1, again.size());
        assertEquals(0, again.get(0).attempts());
    }

    @Test
    void atStartUpANodeFreesItsOwnAndExpiredLeasesOnly() throws Exception {
        Instant wall = Instant.parse("2026-11-23T12:00:00Z");
        enqueue(T0, "mine@example.com");
        assertEquals(1, queue.lease(T0, wall.plusSeconds(600), 10).size());
        enqueue(T0.plusSeconds(1), "live@example.com");
        List<Leased> live = new DeliveryQueue(db, new Wakeup(), "node-b").lease(T0.plusSeconds(1), wall.plusSeconds(600), 10);
        enqueue(T0.plusSeconds(2), "expired@example.com");
        assertEquals(1, new DeliveryQueue(db, new Wakeup(), "node-c").lease(T0.plusSeconds(2), wall.minusSeconds(1), 10).size());

        assertEquals(2, queue.recoverLeases(wall, T0.plusSeconds(5)), "its own lease and node-c's expired one");
        List<Leased> freed = queue.lease(T0.plusSeconds(5), wall.plusSeconds(600), 10);
        assertEquals(List.of("mine@example.com", "expired@example.com"), freed.stream().map(Leased::address).toList());
        assertEquals("delivering", new QueueReader(db, RETRY).list(3).messages().get(1).recipients().get(0).state(),
                "node-b's live lease is left alone");
        assertEquals(1, live.size());
    }

    @Test
    void aJobWhoseLeaseWasReclaimedWhileItRanRecordsNothing() throws Exception {
        enqueue(T0, "r@example.com");
        Instant wall = Instant.parse("2026-11-23T12:00:00Z");
        List<Leased> old = queue.lease(T0, wall.plusSeconds(60), 10);
        // the old job is still running when its lease expires; another node reclaims the recipient and tries it
        DeliveryQueue other = new DeliveryQueue(db, new Wakeup(), "node-b");
        assertEquals(1, other.reclaimExpiredLeases(wall.plusSeconds(61), T0.plusSeconds(1)));
        List<Leased> current = other.lease(T0.plusSeconds(1), wall.plusSeconds(200), 10);
        assertEquals(1, current.size());

        Instant t1 = T0.plusSeconds(2);
        assertThrows(LeaseLostException.class, () -> queue.record(old, List.of(delivered(t1)), List.of()));
        assertThrows(LeaseLostException.class, () -> queue.release(old, t1));
        other.record(current, List.of(deferred(t1, t1.plus(Duration.ofMinutes(6)))), List.of());

        QueueView.Recipient r = new QueueReader(db, RETRY).list(1).messages().get(0).recipients().get(0);
        assertEquals("deferred", r.state(), "the holder's outcome stands");
        assertEquals(1, r.attempts());
        assertEquals(1, Sql.count(db, "SELECT COUNT(*) FROM attempt"), "exactly one outcome stored");
    }

    @Test
    void aLeaseOfTheSameNodeIsFencedByItsToken() throws Exception {
        enqueue(T0, "r@example.com");
        Instant wall = Instant.parse("2026-11-23T12:00:00Z");
        List<Leased> old = queue.lease(T0, wall.plusSeconds(60), 10);
        assertEquals(1, queue.reclaimExpiredLeases(wall.plusSeconds(61), T0));
        List<Leased> current = queue.lease(T0, wall.plusSeconds(200), 10);
        assertThrows(LeaseLostException.class, () -> queue.record(old, List.of(delivered(T0)), List.of()));
        queue.record(current, List.of(delivered(T0)), List.of());
        assertTrue(new QueueReader(db, RETRY).list(1).messages().isEmpty());
    }

    @Test
    void anExtendedLeaseDoesNotExpire() throws Exception {
        enqueue(T0, "r@example.com");
        Instant wall = Instant.parse("2026-11-23T12:00:00Z");
        assertEquals(1, queue.lease(T0, wall.plusSeconds(60), 10).size());
        assertEquals(1, queue.extendLeases(wall.plusSeconds(600)));
        assertEquals(0, queue.reclaimExpiredLeases(wall.plusSeconds(61), T0));
        assertEquals(1, queue.reclaimExpiredLeases(wall.plusSeconds(601), T0));
    }

    @Test
    void candidatesTurnedDownArePostponedNotLeased() throws Exception {
        enqueue(T0, "a@busy.example");
        enqueue(T0.plusSeconds(1), "b@other.example");
        List<Leased> won = queue.lease(T0.plusSeconds(5), LEASE_END, 10,
                domain -> domain.equals("busy.example") ? T0.plusSeconds(60) : null);
        assertEquals(List.of("b@other.example"), won.stream().map(Leased::address).toList());
        assertEquals(T0.plusSeconds(60), queue.nextDue().orElseThrow());
    }

    @Test
    void freshMailIsLeasedBeforeOlderRetries() throws Exception {
        enqueue(T0, "retry@example.com");
        List<Leased> first = queue.lease(T0, LEASE_END, 10);
        queue.record(first, List.of(deferred(T0, T0.plusSeconds(10))), List.of());
        enqueue(T0.plusSeconds(20), "fresh@example.com");
        List<Leased> next = queue.lease(T0.plusSeconds(30), LEASE_END, 1);
        assertEquals(List.of("fresh@example.com"), next.stream().map(Leased::address).toList());
    }

    @Test
    void recordKeepsEachTryAndFinishesTheMessageWhenAllAreFinal() throws Exception {
        String queueId = enqueue(T0, "a@example.com", "b@example.com");
        List<Leased> leased = queue.lease(T0, LEASE_END, 10);
        Instant t1 = T0.plusSeconds(1);
        queue.record(leased, List.of(delivered(t1), deferred(t1, t1.plus(Duration.ofMinutes(6)))), List.of());

        QueueView.Message m = new QueueReader(db, RETRY).show(queueId).orElseThrow();
        assertEquals("delivered", m.recipients().get(0).state());
        QueueView.Recipient b = m.recipients().get(1);
        assertEquals("deferred", b.state());
        assertEquals(1, b.attempts());
        assertEquals(t1.plus(Duration.ofMinutes(6)).toString(), b.nextAttemptAt());
        assertEquals(451, b.lastReply().code());
        assertEquals("4.7.1 Greylisted", b.lastReply().text());
        assertEquals("greylisted", b.category());

        assertEquals(List.of(), queue.lease(t1.plus(Duration.ofMinutes(5)), LEASE_END, 10));
        List<Leased> retry = queue.lease(t1.plus(Duration.ofMinutes(6)), LEASE_END, 10);
        assertEquals(List.of("b@example.com"), retry.stream().map(Leased::address).toList());
        assertEquals(1, retry.get(0).attempts());
        assertEquals("greylisted", retry.get(0).category());
        assertEquals(1, retry.get(0).streak());
        queue.record(retry, List.of(delivered(t1.plus(Duration.ofMinutes(6)))), List.of());

        QueueView.Message done = new QueueReader(db, RETRY).show(queueId).orElseThrow();
        assertEquals(t1.plus(Duration.ofMinutes(6)).toString(), done.finishedAt(), "finished when its last recipient is final");
        assertEquals(2, done.recipients().get(1).tries().size(), "its history keeps every try");
        assertFalse(done.bodyKept(), "queue.keep_bodies is off: the body goes when the message is finished");
        assertEquals(List.of(), db.bodies().keys(), "its body is deleted");
        assertEquals(0, new QueueReader(db, RETRY).list(10).total(), "finished mail is not in the active queue");
    }

    @Test
    void releasePutsWorkBackUntried() throws Exception {
        enqueue(T0, "r@example.com");
        List<Leased> leased = queue.lease(T0, LEASE_END, 10);
        assertEquals("delivering", new QueueReader(db, RETRY).list(1).messages().get(0).recipients().get(0).state());
        queue.release(leased, T0.plusSeconds(30));
        assertEquals("queued", new QueueReader(db, RETRY).list(1).messages().get(0).recipients().get(0).state());
        assertEquals(T0.plusSeconds(30), queue.nextDue().orElseThrow());
        Leased again = queue.lease(T0.plusSeconds(30), LEASE_END, 10).get(0);
        assertEquals(0, again.attempts(), "a release is not an attempt");
    }
}
