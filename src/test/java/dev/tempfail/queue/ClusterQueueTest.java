package dev.tempfail.queue;

import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.PostgresDatabase;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes on one PostgreSQL queue (two {@link Database}s with their own node names, as two
 * relays have): what a try writes (its attempt, the DSN it calls for, its webhook event, a delay
 * warning, an expiry) happens exactly once per recipient, whichever node tried, because only
 * the lease holder's write is stored; and the destination throttles hold for both nodes.
 */
@Tag("postgresql")
class ClusterQueueTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Instant WALL = Instant.parse("2026-11-23T12:00:00Z");
    private static final String MX = "mx.example.com";

    @TempDir Path dir;
    @AutoClose private Database a;
    @AutoClose private Database b;

    @BeforeEach
    void open() throws Exception {
        a = Database.open(pg.queue(dir.resolve("a"), "node-a"), 8);
        b = Database.open(pg.queue(dir.resolve("b"), "node-b"), 8);
        try (Connection c = a.connection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE message, recipient, attempt, event, destination, node, body_chunk CASCADE");
        }
    }

    private void enqueue(Database db, int n) throws Exception {
        QueueStore store = new QueueStore(db, new Wakeup());
        for (int i = 0; i < n; i++) {
            String id = QueueIds.next(Clock.fixed(T0, ZoneOffset.UTC));
            store.enqueue(new NewMessage(id, "s@example.org", List.of(new NewMessage.NewRecipient("r" + i + "@example.com", null, null)),
                    db.bodies().put(id, "Subject: t\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)), T0,
                    null, null, null, false, "127.0.0.1", "h", false));
        }
    }

    private static Attempt finalTry(RecipientState state, Instant at) {
        return new Attempt(at, MX, "127.0.0.1", "rcpt", 550, "5.1.1", "5.1.1 No such user", "permanent",
                "no_such_user", 0, state, null, false);
    }

    private static Attempt delayed(Instant at) {
        return new Attempt(at, MX, "127.0.0.1", "rcpt", 451, "4.7.1", "4.7.1 Try later", "transient",
                "greylisted", 3, RecipientState.DEFERRED, at.plusSeconds(600), true);
    }

    /** Records {@code attempt} for each of {@code held} with a report (a DSN) and an event each, as delivery does. */
    private static void record(Database db, DeliveryQueue queue, List<Leased> held, Attempt attempt) throws Exception {
        List<NewMessage> reports = new ArrayList<>();
        List<NewEvent> events = new ArrayList<>();
        for (Leased r : held) {
            String id = QueueIds.next(Clock.fixed(T0, ZoneOffset.UTC));
            reports.add(new NewMessage(id, "", List.of(new NewMessage.NewRecipient("s@example.org", null, null)),
                    db.bodies().put(id, ("Subject: report on " + r.address() + "\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII)),
                    attempt.at(), null, null, null, false, "127.0.0.1", "h", true));
            events.add(new NewEvent(r.queueId(), r.address(), "bounced", attempt.at(), "{}"));
        }
        queue.record(held, held.stream().map(r -> attempt).toList(), reports, List.of(), events);
    }

    private long count(String sql) throws Exception {
        return Sql.count(a, sql);
    }

    @Test
    void aNodeWhoseLeaseWasTakenOverWritesNoSecondReportEventOrExpiry() throws Exception {
        enqueue(a, 3);
        DeliveryQueue qa = new DeliveryQueue(a, new Wakeup(), "node-a");
        DeliveryQueue qb = new DeliveryQueue(b, new Wakeup(), "node-b");
        List<Leased> heldByA = qa.lease(T0, WALL.plusSeconds(60), 10);
        assertEquals(3, heldByA.size());
        // node a hangs past its lease; node b reclaims and tries: a failure, a delay warning, an expiry
        assertEquals(3, qb.reclaimExpiredLeases(WALL.plusSeconds(61), T0.plusSeconds(1)));
        List<Leased> heldByB = qb.lease(T0.plusSeconds(1), WALL.plusSeconds(200), 10);
        assertEquals(3, heldByB.size());
        Instant t = T0.plusSeconds(2);
        record(b, qb, heldByB.subList(0, 1), finalTry(RecipientState.FAILED, t));
        record(b, qb, heldByB.subList(1, 2), delayed(t));
        record(b, qb, heldByB.subList(2, 3), finalTry(RecipientState.EXPIRED, t));

        // node a wakes up and records what it made of its (old) tries: every write is refused, none stored
        assertThrows(LeaseLostException.class, () -> record(a, qa, heldByA.subList(0, 1), finalTry(RecipientState.FAILED, t)));
        assertThrows(LeaseLostException.class, () -> record(a, qa, heldByA.subList(1, 2), delayed(t)));
        assertThrows(LeaseLostException.class, () -> record(a, qa, heldByA.subList(2, 3), finalTry(RecipientState.EXPIRED, t)));

        assertEquals(3, count("SELECT COUNT(*) FROM message WHERE is_dsn"), "one report per recipient");
        assertEquals(3, count("SELECT COUNT(*) FROM event"), "one event per recipient");
        assertEquals(3, count("SELECT COUNT(*) FROM attempt"), "one try recorded per recipient");
        assertEquals(1, count("SELECT COUNT(*) FROM recipient WHERE delay_notified_at IS NOT NULL"));
        assertEquals(1, count("SELECT COUNT(*) FROM recipient WHERE state = 'expired'"));
        assertEquals(3, count("SELECT COUNT(*) FROM body_chunk WHERE body_key IN (SELECT queue_id FROM message WHERE is_dsn)"),
                "the refused writes' report bodies are gone again");
        assertEquals(3 + 1, count("SELECT COUNT(*) FROM body_chunk"),
                "the three reports and the one message not finished (the delayed one), nothing else");
    }

    @Test
    void twoNodesTryingAtOnceReportEachRecipientExactlyOnce() throws Exception {
        int recipients = 200;
        enqueue(a, recipients);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> tried = new ArrayList<>();
            for (Database db : List.of(a, b)) {
                DeliveryQueue q = new DeliveryQueue(db, new Wakeup(), db == a ? "node-a" : "node-b");
                tried.add(pool.submit((Callable<Integer>) () -> {
                    int n = 0;
                    for (List<Leased> held; !(held = q.lease(T0, WALL.plusSeconds(600), 7)).isEmpty(); n += held.size()) {
                        record(db, q, held, finalTry(RecipientState.FAILED, T0.plusSeconds(1)));
                    }
                    return n;
                }));
            }
            int byA = tried.get(0).get();
            int byB = tried.get(1).get();
            System.out.printf("two nodes at once: node-a tried %d, node-b %d recipients%n", byA, byB);
            assertEquals(recipients, byA + byB, "every recipient tried once in all");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(recipients, count("SELECT COUNT(*) FROM message WHERE is_dsn"));
        assertEquals(recipients, count("SELECT COUNT(DISTINCT recipient_id) FROM attempt"));
        assertEquals(recipients, count("SELECT COUNT(*) FROM attempt"));
        assertEquals(recipients, count("SELECT COUNT(*) FROM event"));
    }

    @Test
    void aPauseOrCapOneNodeSetsHoldsOnTheOtherAndNeitherOverwritesTheOther() throws Exception {
        Destinations da = new Destinations(a, Duration.ofHours(1));
        Destinations db = new Destinations(b, Duration.ofHours(1));
        assertTrue(db.get(MX).isEmpty(), "node b has read (and cached) the destination: no throttle");
        da.suspend(MX, T0, T0.plusSeconds(600), "operator pause");
        Await.until(Duration.ofSeconds(30), "node b sees node a's pause", () -> db.notBefore(MX, T0) != null);
        assertEquals(T0.plusSeconds(600), db.notBefore(MX, T0));

        // node b records a try that sets a connection limit, on what it knew before: node a's pause stays
        Destinations.Change limit = new Destinations.Change(MX,
                s -> Destinations.restricted(MX, s, T0, null, 2, 0, "too many connections"));
        try (Connection c = b.connection()) {
            Destinations.write(c, limit);
        }
        DestinationState both = limit.applied();
        assertEquals(T0.plusSeconds(600), both.suspendedUntil(), "the pause is kept");
        assertEquals(2, both.maxConnections());

        // an hourly cap: the two nodes taking turns at the same moment get one turn between them
        da.resume(MX);
        da.restrict(MX, T0, null, 0, 2, "rate_limited (2/h)");
        Await.until(Duration.ofSeconds(30), "node b sees the cap", () -> db.get(MX).map(DestinationState::maxPerHour).orElse(0) == 2);
        Instant first = da.takeTurn(MX, T0);
        Instant second = db.takeTurn(MX, T0);
        assertEquals(T0, first);
        assertEquals(T0.plus(Duration.ofMinutes(30)), second, "node b waits for the next turn of the cap");
    }

    @Test
    void connectionLimitsAreDividedAmongTheLiveNodesAndAddUpExactly() throws Exception {
        long now = WALL.toEpochMilli();
        try (Connection c = a.connection();
             PreparedStatement s = c.prepareStatement("INSERT INTO node (id, started_at, heartbeat_at, stopped_at) VALUES (?, ?, ?, ?)")) {
            Object[][] rows = {{"node-a", now, now, null}, {"node-b", now, now - 5_000, null}, {"node-c", now, now, null},
                    {"node-dead", now, now - NodeHeartbeat.SILENT_AFTER.toMillis() - 1, null}, {"node-stopped", now, now, now}};
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) s.setObject(i + 1, row[i]);
                s.executeUpdate();
            }
        }
        Clock wall = Clock.fixed(WALL, ZoneOffset.UTC);
        List<LiveNodes> nodes = List.of(new LiveNodes(a, "node-a", wall), new LiveNodes(b, "node-b", wall),
                new LiveNodes(a, "node-c", wall));
        assertEquals(List.of("node-a", "node-b", "node-c"), nodes.get(0).live(), "a silent or stopped node does not count");
        for (int limit : new int[]{1, 2, 3, 10, 20}) {
            int sum = 0;
            for (LiveNodes n : nodes) sum += n.share(limit);
            assertEquals(limit, sum, "the shares of " + limit + " add up to it");
        }
        assertEquals(List.of(1, 0, 0), nodes.stream().map(n -> n.share(1)).toList(), "one connection: the first node's");
        assertEquals(List.of(4, 3, 3), nodes.stream().map(n -> n.share(10)).toList());
        LiveNodes alone = new LiveNodes(a, "node-new", wall);
        assertNotNull(alone.live());
        assertTrue(alone.live().contains("node-new"), "a node not registered yet counts itself");
        assertEquals(10, LiveNodes.ALONE.share(10));
    }
}
