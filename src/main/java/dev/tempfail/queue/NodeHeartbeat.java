package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This node's row in the {@code node} table: written at start (started now, not stopped),
 * refreshed every {@link #INTERVAL} while the relay runs, marked stopped by a clean stop. A node
 * that died keeps its last heartbeat: after {@link #SILENT_AFTER} it is listed as silent, and the
 * leases it held expire and are taken over (see the package's lease contract).
 */
public final class NodeHeartbeat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    /** Three missed heartbeats: the node is listed as silent. */
    public static final Duration SILENT_AFTER = INTERVAL.multipliedBy(3);

    private final Database db;
    private final String node;
    private final Clock wallClock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "node-heartbeat");
        t.setDaemon(true);
        return t;
    });

    private NodeHeartbeat(Database db, String node, Clock wallClock) {
        this.db = db;
        this.node = node;
        this.wallClock = wallClock;
    }

    /** Registers {@code node} as started now and keeps its heartbeat going until {@link #close}. */
    public static NodeHeartbeat start(Database db, String node, String smtpListen, String adminListen, Clock wallClock)
            throws SQLException {
        NodeHeartbeat h = new NodeHeartbeat(db, node, wallClock);
        long now = wallClock.millis();
        try (Connection c = db.connection()) {
            int updated = update(c, "UPDATE node SET started_at = ?, heartbeat_at = ?, stopped_at = NULL, smtp_listen = ?, "
                    + "admin_listen = ? WHERE id = ?", now, now, smtpListen, adminListen, node);
            if (updated == 0) {
                update(c, "INSERT INTO node (started_at, heartbeat_at, smtp_listen, admin_listen, id) VALUES (?, ?, ?, ?, ?)",
                        now, now, smtpListen, adminListen, node);
            }
        }
        h.timer.scheduleWithFixedDelay(h::beat, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return h;
    }

    private void beat() {
        try (Connection c = db.connection()) {
            update(c, "UPDATE node SET heartbeat_at = ? WHERE id = ?", wallClock.millis(), node);
        } catch (SQLException | RuntimeException e) {
            log.warn("node {}: heartbeat not written: {}", node, e.toString());
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            return s.executeUpdate();
        }
    }

    /** A clean stop: the node is listed as stopped (before the queue closes). */
    @Override
    public void close() {
        timer.shutdownNow();
        try (Connection c = db.connection()) {
            long now = wallClock.millis();
            update(c, "UPDATE node SET heartbeat_at = ?, stopped_at = ? WHERE id = ?", now, now, node);
        } catch (SQLException | RuntimeException e) {
            log.warn("node {}: stop not recorded: {}", node, e.toString());
        }
    }
}
