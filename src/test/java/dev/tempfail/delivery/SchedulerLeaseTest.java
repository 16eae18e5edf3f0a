package dev.tempfail.delivery;

import dev.tempfail.queue.Database;
import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.NewMessage;
import dev.tempfail.queue.QueueIds;
import dev.tempfail.queue.QueueStore;
import dev.tempfail.queue.Wakeup;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.TestQueues;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Leases on a test wall clock: the scheduler keeps the lease of a job it still holds alive
 * past the lease time, and a lease its node stopped extending (the node died) expires and is
 * reclaimed by another node.
 */
class SchedulerLeaseTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(10);

    @TempDir Path dir;
    @AutoClose private Database db;
    private final MutableClock wall = new MutableClock(T0);
    private final MutableClock relayClock = new MutableClock(T0);
    private final List<Runnable> held = new ArrayList<>(); // jobs handed to "workers" that never run

    @BeforeEach
    void open() throws Exception {
        db = TestQueues.open(dir, 4);
        new QueueStore(db, new Wakeup()).enqueue(message("r@example.com"));
    }

    private NewMessage message(String rcpt) throws Exception {
        String queueId = QueueIds.next(relayClock);
        var body = db.bodies().put(queueId, "Subject: t\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
        return new NewMessage(queueId, "s@example.org", List.of(new NewMessage.NewRecipient(rcpt, null, null)),
                body, T0, null, null, null, false, "127.0.0.1", "h", false);
    }

    private Scheduler scheduler(DeliveryQueue queue) {
        return new Scheduler(queue, new Wakeup(), relayClock, wall, held::add, 100, 10, LEASE, Duration.ofSeconds(1),
                (group, done) -> () -> { });
    }

    @Test
    void aHeldJobKeepsItsLeaseAndADeadNodesLeaseIsReclaimed() throws Exception {
        DeliveryQueue mine = new DeliveryQueue(db, new Wakeup(), "node-a");
        Scheduler scheduler = scheduler(mine);
        assertEquals(1, scheduler.round(), "leased and handed to a worker");
        assertEquals(1, held.size());

        DeliveryQueue other = new DeliveryQueue(db, new Wakeup(), "node-b");
        for (int i = 0; i < 8; i++) { // 8 x 3 minutes: far past one lease time, the job still held
            wall.advance(Duration.ofMinutes(3));
            scheduler.round();
            assertEquals(0, other.reclaimExpiredLeases(wall.instant(), relayClock.instant()),
                    "a lease extended by its node does not expire");
        }

        // node-a dies: nobody extends its lease any more
        wall.advance(LEASE.plusSeconds(1));
        assertEquals(1, other.reclaimExpiredLeases(wall.instant(), relayClock.instant()));
        List<Leased> taken = other.lease(relayClock.instant(), wall.instant().plus(LEASE), 10);
        assertEquals(List.of("r@example.com"), taken.stream().map(Leased::address).toList());
    }
}
