package dev.tempfail.queue;

import dev.tempfail.config.QueueConfig;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plans of the scheduler's queries (EXPLAIN ANALYZE in H2): each reads its index as a
 * range, so its cost does not grow with the rows it does not want. The queue holds thousands
 * of leased, final and held recipients and of retries due later, and a few due ones; a query
 * that fell back to a scan, or walked the NULLs of the due index, would read thousands of rows.
 */
@Tag("h2") // H2's plans; the PostgreSQL run leaves it out
class DeliveryQueueIndexTest {
    private static final int OTHERS = 2_000;
    private static final long NOW = 1_000_000;

    @TempDir static Path dir;
    @AutoClose private static Database db;

    @BeforeAll
    static void fill() throws Exception {
        db = Database.open(QueueConfig.h2(dir, false, "node-a"), 2);
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO message (queue_id, sender, size, received_at) VALUES ('Q1', 's@example.org', 1, 0)");
            s.execute("INSERT INTO recipient (message_id, address, domain, state, next_attempt_at, lease_owner, lease_token, lease_until) "
                    + "SELECT 1, 'l' || X || '@example.com', 'example.com', 'delivering', NULL, 'node-b', X, " + (NOW + 600_000)
                    + " FROM SYSTEM_RANGE(1, " + OTHERS + ")");
            for (String finalState : new String[]{"delivered", "failed", "held"}) {
                s.execute("INSERT INTO recipient (message_id, address, domain, state) SELECT 1, 'f' || X || '@example.com', "
                        + "'example.com', '" + finalState + "' FROM SYSTEM_RANGE(1, " + OTHERS + ")");
            }
            s.execute("INSERT INTO recipient (message_id, address, domain, state, next_attempt_at) SELECT 1, 'd' || X || "
                    + "'@example.com', 'example.com', 'deferred', " + (NOW + 60_000) + " + X FROM SYSTEM_RANGE(1, " + OTHERS + ")");
            s.execute("INSERT INTO recipient (message_id, address, domain, state, next_attempt_at) SELECT 1, 'q' || X || "
                    + "'@example.com', 'example.com', 'queued', " + NOW + " - X FROM SYSTEM_RANGE(1, 3)");
            s.execute("INSERT INTO recipient (message_id, address, domain, state, next_attempt_at, lease_owner, lease_token, "
                    + "lease_until) VALUES (1, 'x@example.com', 'example.com', 'delivering', NULL, 'node-a', 7, " + (NOW - 1) + ")");
            // no ANALYZE: the plans must hold on a queue whose statistics were never gathered
        }
    }

    @Test
    void theDueQueryIsARangeInOneState() throws Exception {
        String plan = plan(DeliveryQueue.DUE, "queued", NOW, 10);
        assertUsesIndex(plan, "RECIPIENT_DUE");
        assertReadsAtMost(plan, 10);
        assertReadsAtMost(plan(DeliveryQueue.DUE, "deferred", NOW, 10), 10); // nothing due: reads nothing
        // thousands due: read in index order, so the LIMIT stops the range (no sort of everything due)
        assertReadsAtMost(plan(DeliveryQueue.DUE, "deferred", NOW + 3_600_000, 10), 11);
    }

    @Test
    void theNextDueQueryReadsTheFirstEntry() throws Exception {
        String plan = plan(DeliveryQueue.NEXT_DUE, "deferred", Long.MAX_VALUE);
        assertUsesIndex(plan, "RECIPIENT_DUE");
        assertReadsAtMost(plan, 2);
    }

    @Test
    void theReadBackOfALeaseUsesTheOwnerIndex() throws Exception {
        String plan = plan(DeliveryQueue.LEASED, "node-b", 42L);
        assertUsesIndex(plan, "RECIPIENT_LEASE_OWNER");
        assertReadsAtMost(plan, 4);
    }

    @Test
    void theReclaimOfExpiredLeasesIsARangeOnTheirExpiry() throws Exception {
        String plan = plan(DeliveryQueue.RECLAIM, NOW, NOW);
        assertUsesIndex(plan, "RECIPIENT_LEASE");
        assertReadsAtMost(plan, 4);
    }

    /** EXPLAIN ANALYZE of one statement (in a transaction rolled back, for the UPDATE). */
    private static String plan(String sql, Object... args) throws Exception {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("EXPLAIN ANALYZE " + sql)) {
                for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getString(1);
                }
            } finally {
                c.rollback();
            }
        }
    }

    private static void assertUsesIndex(String plan, String index) {
        assertTrue(plan.contains("PUBLIC." + index + ":"), "expected index " + index + " in\n" + plan);
    }

    /** H2 reports the rows each table access read as "scanCount: N". */
    private static void assertReadsAtMost(String plan, int rows) {
        Matcher m = Pattern.compile("scanCount: (\\d+)").matcher(plan);
        boolean found = false;
        while (m.find()) {
            found = true;
            assertTrue(Integer.parseInt(m.group(1)) <= rows, "read " + m.group(1) + " rows, at most " + rows
                    + " expected, in\n" + plan);
        }
        assertTrue(found, "no scanCount in\n" + plan);
    }
}
