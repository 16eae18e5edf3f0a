package dev.tempfail.queue;

import dev.tempfail.testsupport.PostgresDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease pick on PostgreSQL, where nodes share the queue: {@code FOR UPDATE SKIP LOCKED} in
 * the order of the due index. EXPLAIN ANALYZE shows the index read as a range that stops at the
 * LIMIT (no scan, no sort of everything due), and a second transaction shows that the pick
 * locked exactly the rows it returned, and that a concurrent pick takes the next ones instead of
 * waiting. The queue holds thousands of leased, final and held recipients and of retries due
 * later, as DeliveryQueueIndexTest does for H2.
 */
@Tag("postgresql")
class DeliveryQueuePlanPostgresTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    private static final int OTHERS = 2_000;
    private static final long NOW = 1_000_000;

    @TempDir static Path dir;
    private static Database db;

    @BeforeAll
    static void fill() throws Exception {
        db = Database.open(pg.queue(dir), 4);
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO message (queue_id, sender, size, received_at) VALUES ('Q1', 's@example.org', 1, 0)");
            long message;
            try (ResultSet r = s.executeQuery("SELECT id FROM message")) {
                r.next();
                message = r.getLong(1);
            }
            String range = " FROM generate_series(1, " + OTHERS + ") AS g(x)";
            s.execute("INSERT INTO recipient (message_id, address, domain, state, lease_owner, lease_token, lease_until) "
                    + "SELECT " + message + ", 'l' || x || '@example.com', 'example.com', 'delivering', 'node-b', x, "
                    + (NOW + 600_000) + range);
            for (String finalState : new String[]{"delivered", "failed", "held"}) {
                s.execute("INSERT INTO recipient (message_id, address, domain, state) SELECT " + message
                        + ", 'f' || x || '@example.com', 'example.com', '" + finalState + "'" + range);
            }
            s.execute("INSERT INTO recipient (message_id, address, domain, state, next_attempt_at) SELECT " + message
                    + ", 'd' || x || '@example.com', 'example.com', 'deferred', " + (NOW + 60_000) + " + x" + range);
            s.execute("ANALYZE recipient");
        }
    }

    @AfterAll
    static void close() {
        if (db != null) db.close();
    }

    @Test
    void thePickReadsTheDueIndexAsARangeThatStopsAtTheLimit() throws Exception {
        String plan = plan(DeliveryQueue.DUE_SKIP_LOCKED, "deferred", NOW + 3_600_000, 10); // 2,000 due
        assertTrue(plan.contains("Index Scan using recipient_due on recipient"), plan);
        assertTrue(plan.contains("LockRows"), plan);
        assertTrue(!plan.contains("Seq Scan") && !plan.contains("Sort"), plan);
        for (Matcher m = Pattern.compile("Index Scan using recipient_due.*actual time=\\S+ rows=(\\d+)").matcher(plan); m.find(); ) {
            assertTrue(Integer.parseInt(m.group(1)) <= 10, "read " + m.group(1) + " index entries for a LIMIT of 10:\n" + plan);
        }
        String nothingDue = plan(DeliveryQueue.DUE_SKIP_LOCKED, "deferred", NOW, 10);
        assertTrue(nothingDue.contains("Index Scan using recipient_due") && nothingDue.contains("rows=0"), nothingDue);
    }

    @Test
    void thePickLocksOnlyWhatItReturnsAndAConcurrentPickTakesTheNext() throws Exception {
        try (Connection first = db.connection(); Connection second = db.connection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            try {
                List<Long> mine = pick(first, 10);
                assertEquals(10, mine.size());
                List<Long> theirs = pick(second, 10);
                assertEquals(10, theirs.size(), "the second pick did not wait for the first: it took others");
                Set<Long> overlap = new HashSet<>(mine);
                overlap.retainAll(theirs);
                assertTrue(overlap.isEmpty(), "both picks took " + overlap);
                try (Connection third = db.connection(); Statement s = third.createStatement()) {
                    third.setAutoCommit(false);
                    try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM (SELECT id FROM recipient WHERE state = 'deferred' "
                            + "FOR UPDATE SKIP LOCKED) unlocked")) {
                        r.next();
                        assertEquals(OTHERS - 20, r.getInt(1), "rows locked beyond the 20 the two picks returned");
                    } finally {
                        third.rollback();
                    }
                }
            } finally {
                first.rollback();
                second.rollback();
            }
        }
    }

    private static List<Long> pick(Connection c, int limit) throws Exception {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(DeliveryQueue.DUE_SKIP_LOCKED)) {
            s.setString(1, "deferred");
            s.setLong(2, NOW + 3_600_000);
            s.setInt(3, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(r.getLong(1));
            }
        }
        return out;
    }

    /** EXPLAIN ANALYZE of one statement, in a transaction rolled back (it takes row locks). */
    private static String plan(String sql, Object... args) throws Exception {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("EXPLAIN ANALYZE " + sql)) {
                for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
                StringBuilder out = new StringBuilder();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) out.append(r.getString(1)).append('\n');
                }
                return out.toString();
            } finally {
                c.rollback();
            }
        }
    }
}
