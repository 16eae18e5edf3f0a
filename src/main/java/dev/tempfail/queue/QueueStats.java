package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The queue's figures for {@code /metrics} and {@code /healthz}: read in four small queries
 * per scrape (the unfinished recipients by state, the oldest deferred one, the paused
 * destinations, the webhook events not yet taken), and a write probe through the committer.
 */
public final class QueueStats {
    /** The states of mail still in the queue; finished recipients are history, not queue size. */
    public static final List<String> UNFINISHED = List.of("queued", "delivering", "deferred", "held");

    private final Database db;

    public QueueStats(Database db) {
        this.db = db;
    }

    /**
     * @param recipients       unfinished recipients by state (every state of {@link #UNFINISHED}, 0 when none)
     * @param oldestDeferred   how long the oldest deferred recipient's message has been in the queue; zero when none
     * @param pausedDestinations destinations that may not be sent to now
     * @param pendingEvents    webhook events not yet taken by the receiver
     */
    public record Snapshot(Map<String, Long> recipients, Duration oldestDeferred, long pausedDestinations,
                           long pendingEvents) {
        public static final Snapshot EMPTY = new Snapshot(Map.of(), Duration.ZERO, 0, 0);

        public long recipients(String state) {
            return recipients.getOrDefault(state, 0L);
        }
    }

    public Snapshot snapshot(Instant now) throws SQLException {
        Map<String, Long> byState = new LinkedHashMap<>();
        for (String s : UNFINISHED) byState.put(s, 0L);
        try (Connection c = db.connection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT state, COUNT(*) FROM recipient WHERE state IN "
                    + "('queued','delivering','deferred','held') GROUP BY state");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) byState.put(r.getString(1), r.getLong(2));
            }
            Duration oldest = Duration.ZERO;
            try (PreparedStatement s = c.prepareStatement("SELECT MIN(m.received_at) FROM recipient r "
                    + "JOIN message m ON m.id = r.message_id WHERE r.state = 'deferred'");
                 ResultSet r = s.executeQuery()) {
                if (r.next()) {
                    long at = r.getLong(1);
                    if (!r.wasNull()) oldest = Duration.ofMillis(Math.max(0, now.toEpochMilli() - at));
                }
            }
            long paused;
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM destination WHERE suspended_until > ?")) {
                s.setLong(1, now.toEpochMilli());
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    paused = r.getLong(1);
                }
            }
            long events;
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM event WHERE next_try_at IS NOT NULL");
                 ResultSet r = s.executeQuery()) {
                r.next();
                events = r.getLong(1);
            }
            return new Snapshot(byState, oldest, paused, events);
        }
    }

    /** Whether a transaction still commits through the queue's committer (the file is writable, the committer alive). */
    public boolean writable() {
        try {
            db.write(c -> {
                try (PreparedStatement s = c.prepareStatement("UPDATE destination SET updated_at = updated_at WHERE 1 = 0")) {
                    s.executeUpdate();
                }
            });
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
