package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Read-only views of the queue for the CLI and the admin API. Never reads message bodies. */
public final class QueueReader {
    private static final String RECIPIENT_COLUMNS = "r.message_id, r.address, r.state, r.attempts, r.next_attempt_at, "
            + "r.category, r.last_code, r.last_status, r.last_text, r.last_host, r.last_stage, r.orcpt, r.notify, r.final_at";

    private final Database db;
    private final Clock clock;
    private final Duration capRelease;

    public QueueReader(Database db) {
        this(db, Clock.systemUTC(), Destinations.DEFAULT_CAP_RELEASE);
    }

    /** @param clock and {@code capRelease}: to show the hourly cap in force now, not the one a reply once set */
    public QueueReader(Database db, Clock clock, Duration capRelease) {
        this.db = db;
        this.clock = clock;
        this.capRelease = capRelease;
    }

    /** The oldest {@code limit} messages still in the queue, with their recipients. */
    public QueueView.Listing list(int limit) throws SQLException {
        try (Connection c = db.connection()) {
            int total;
            try (ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM message")) {
                r.next();
                total = r.getInt(1);
            }
            Map<Long, QueueView.Summary> byId = new LinkedHashMap<>();
            Map<Long, List<QueueView.Recipient>> recipients = new LinkedHashMap<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT id, queue_id, sender, size, received_at FROM message ORDER BY id LIMIT ?")) {
                s.setInt(1, limit);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        List<QueueView.Recipient> list = new ArrayList<>();
                        recipients.put(r.getLong(1), list);
                        byId.put(r.getLong(1), new QueueView.Summary(r.getString(2), r.getString(3), r.getLong(4),
                                iso(r.getLong(5)), list));
                    }
                }
            }
            if (!byId.isEmpty()) {
                long first = byId.keySet().iterator().next();
                long last = first;
                for (long id : byId.keySet()) last = id;
                try (PreparedStatement s = c.prepareStatement("SELECT " + RECIPIENT_COLUMNS
                        + " FROM recipient r WHERE r.message_id BETWEEN ? AND ? ORDER BY r.id")) {
                    s.setLong(1, first);
                    s.setLong(2, last);
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            List<QueueView.Recipient> list = recipients.get(r.getLong(1));
                            if (list != null) list.add(recipient(r));
                        }
                    }
                }
            }
            return new QueueView.Listing(total, List.copyOf(byId.values()), throttles(c));
        }
    }

    /** Every destination with a pause, connection limit or hourly cap on it. */
    public List<QueueView.Throttle> throttles() throws SQLException {
        try (Connection c = db.connection()) {
            return throttles(c);
        }
    }

    private List<QueueView.Throttle> throttles(Connection c) throws SQLException {
        List<QueueView.Throttle> out = new ArrayList<>();
        Instant now = clock.instant();
        try (ResultSet r = c.createStatement().executeQuery("SELECT name, suspended_until, max_connections, max_per_hour, "
                + "reason, updated_at FROM destination ORDER BY name")) {
            while (r.next()) {
                long until = r.getLong(2);
                Instant pausedUntil = r.wasNull() ? null : Instant.ofEpochMilli(until);
                int conns = r.getInt(3);
                Integer maxConnections = r.wasNull() ? null : conns;
                int perHour = r.getInt(4);
                Integer maxPerHour = r.wasNull() ? null : perHour;
                Instant since = Instant.ofEpochMilli(r.getLong(6));
                Integer inForce = new DestinationState(r.getString(1), pausedUntil, r.getString(5), maxPerHour,
                        maxConnections, null, since).perHourAt(now, capRelease);
                if (pausedUntil == null && maxConnections == null && inForce == null) continue; // a cap that has lifted
                out.add(new QueueView.Throttle(r.getString(1), pausedUntil == null ? null : iso(until), maxConnections,
                        inForce, r.getString(5), iso(since.toEpochMilli())));
            }
        }
        return List.copyOf(out);
    }

    public Optional<QueueView.Message> show(String queueId) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT id, queue_id, sender, size, received_at, envid, ret, "
                     + "client_address, client_helo, is_dsn, auth_user FROM message WHERE queue_id = ?")) {
            s.setString(1, queueId);
            try (ResultSet m = s.executeQuery()) {
                if (!m.next()) return Optional.empty();
                List<QueueView.Recipient> list = new ArrayList<>();
                try (PreparedStatement rs = c.prepareStatement("SELECT " + RECIPIENT_COLUMNS
                        + " FROM recipient r WHERE r.message_id = ? ORDER BY r.id")) {
                    rs.setLong(1, m.getLong(1));
                    try (ResultSet r = rs.executeQuery()) {
                        while (r.next()) list.add(recipient(r));
                    }
                }
                String helo = m.getString(9);
                String client = (helo == null ? "unknown" : helo) + "[" + m.getString(8) + "]";
                return Optional.of(new QueueView.Message(m.getString(2), m.getString(3), m.getLong(4), iso(m.getLong(5)),
                        m.getString(6), m.getString(7), client, m.getString(11), m.getBoolean(10), List.copyOf(list),
                        EventStore.forMessage(c, queueId)));
            }
        }
    }

    private static QueueView.Recipient recipient(ResultSet r) throws SQLException {
        int code = r.getInt(7);
        QueueView.LastReply last = r.wasNull() ? null
                : new QueueView.LastReply(code, r.getString(8), r.getString(9), r.getString(10), r.getString(11));
        long next = r.getLong(5);
        String nextAt = r.wasNull() ? null : iso(next);
        long fin = r.getLong(14);
        String finalAt = r.wasNull() ? null : iso(fin);
        return new QueueView.Recipient(r.getString(2), r.getString(3), r.getInt(4), nextAt, r.getString(6), last,
                r.getString(12), r.getString(13), finalAt);
    }

    private static String iso(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
