package dev.tempfail.queue;

import dev.tempfail.config.RetryConfig;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.TreeMap;

/**
 * Read-only views of the queue for the CLI, the admin API and the dashboard: the active queue
 * and the history of finished messages. Only {@link #content} reads message bytes.
 */
public final class QueueReader {
    private static final String RECIPIENT_COLUMNS = "r.message_id, r.address, r.state, r.attempts, r.next_attempt_at, "
            + "r.category, r.last_code, r.last_status, r.last_text, r.last_host, r.last_stage, r.orcpt, r.notify, r.final_at, "
            + "r.delay_notified_at, r.id";

    private final Database db;
    private final Duration lifetime;
    private final Duration delayWarning;
    private final Clock clock;
    private final Duration capRelease;

    /** As {@link #QueueReader(Database, RetryConfig, Clock)} on the system clock. */
    public QueueReader(Database db, RetryConfig retry) {
        this(db, retry, Clock.systemUTC());
    }

    /**
     * {@code retry} gives the lifetime and delay warning, to show when a message expires and when
     * its sender hears of a delay, and the cap release, to show the hourly cap in force at
     * {@code clock}'s now rather than the one a reply once set.
     */
    public QueueReader(Database db, RetryConfig retry, Clock clock) {
        this.db = db;
        this.lifetime = retry.lifetime();
        this.delayWarning = retry.delayWarning();
        this.clock = clock;
        this.capRelease = retry.capRelease();
    }

    /** The oldest {@code limit} unfinished messages. */
    public QueueView.Listing list(int limit) throws SQLException {
        return list(QueueFilter.ACTIVE, limit);
    }

    /** The oldest {@code limit} messages that match, with their recipients, and how many match in all. */
    public QueueView.Listing list(QueueFilter filter, int limit) throws SQLException {
        List<Object> params = new ArrayList<>();
        String where = filter.messageSql(params);
        if (filter.hasRecipientConditions()) {
            where += " AND EXISTS (SELECT 1 FROM recipient r WHERE r.message_id = m.id AND " + filter.recipientSql(params) + ")";
        }
        try (Connection c = db.connection()) {
            int total;
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM message m WHERE " + where)) {
                bind(s, params);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    total = r.getInt(1);
                }
            }
            Map<Long, QueueView.Summary> byId = new LinkedHashMap<>();
            Map<Long, List<QueueView.Recipient>> recipients = new LinkedHashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT m.id, m.queue_id, m.sender, m.subject, m.size, "
                    + "m.received_at, m.finished_at FROM message m WHERE " + where + " ORDER BY m.id LIMIT ?")) {
                bind(s, params);
                s.setInt(params.size() + 1, limit);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        List<QueueView.Recipient> list = new ArrayList<>();
                        recipients.put(r.getLong(1), list);
                        byId.put(r.getLong(1), new QueueView.Summary(r.getString(2), r.getString(3), r.getString(4),
                                r.getLong(5), iso(r.getLong(6)), isoOrNull(r, 7), list));
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
                            if (list != null) list.add(recipient(r, null));
                        }
                    }
                }
            }
            return new QueueView.Listing(total, List.copyOf(byId.values()), throttles(c));
        }
    }

    /** Recipients by state and by category of their last failure, over unfinished messages and history. */
    public QueueView.Totals totals() throws SQLException {
        try (Connection c = db.connection()) {
            Map<String, Integer> byState = new TreeMap<>();
            Map<String, Integer> byCategory = new TreeMap<>();
            try (ResultSet r = c.createStatement().executeQuery("SELECT state, category, COUNT(*) FROM recipient GROUP BY state, category")) {
                while (r.next()) {
                    byState.merge(r.getString(1), r.getInt(3), Integer::sum);
                    if (r.getString(2) != null) byCategory.merge(r.getString(2), r.getInt(3), Integer::sum);
                }
            }
            try (ResultSet r = c.createStatement().executeQuery(
                    "SELECT COUNT(*), COUNT(finished_at) FROM message")) {
                r.next();
                return new QueueView.Totals(byState, byCategory, r.getInt(1) - r.getInt(2), r.getInt(2));
            }
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

    /** The nodes that use this queue, by name, as of {@code now} (wall-clock time). */
    public List<QueueView.Node> nodes(Instant now) throws SQLException {
        List<QueueView.Node> out = new ArrayList<>();
        try (Connection c = db.connection(); ResultSet r = c.createStatement().executeQuery("SELECT n.id, n.started_at, "
                + "n.heartbeat_at, n.stopped_at, n.smtp_listen, n.admin_listen, "
                + "(SELECT COUNT(*) FROM recipient WHERE lease_owner = n.id) FROM node n ORDER BY n.id")) {
            while (r.next()) {
                long heartbeat = r.getLong(3);
                r.getLong(4);
                boolean stopped = !r.wasNull();
                String state = stopped ? "stopped"
                        : now.toEpochMilli() - heartbeat > NodeHeartbeat.SILENT_AFTER.toMillis() ? "silent" : "running";
                out.add(new QueueView.Node(r.getString(1), state, iso(r.getLong(2)), iso(heartbeat), r.getString(5),
                        r.getString(6), r.getInt(7)));
            }
        }
        return List.copyOf(out);
    }

    /** One message, in the queue or finished (until purged): every recipient with every try, and the operator's actions. */
    public Optional<QueueView.Message> show(String queueId) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT m.id, m.queue_id, m.sender, m.size, m.received_at, m.envid, m.ret, "
                     + "m.client_address, m.client_helo, m.is_dsn, m.subject, m.finished_at, "
                     + "CASE WHEN m.body_ref IS NOT NULL OR EXISTS (SELECT 1 FROM message_body b WHERE b.message_id = m.id) "
                     + "THEN 1 ELSE 0 END, m.auth_user FROM message m WHERE m.queue_id = ?")) {
            s.setString(1, queueId);
            try (ResultSet m = s.executeQuery()) {
                if (!m.next()) return Optional.empty();
                long id = m.getLong(1);
                Map<Long, List<QueueView.Try>> tries = tries(c, id);
                List<QueueView.Recipient> list = new ArrayList<>();
                try (PreparedStatement rs = c.prepareStatement("SELECT " + RECIPIENT_COLUMNS
                        + " FROM recipient r WHERE r.message_id = ? ORDER BY r.id")) {
                    rs.setLong(1, id);
                    try (ResultSet r = rs.executeQuery()) {
                        while (r.next()) list.add(recipient(r, tries.getOrDefault(r.getLong(16), List.of())));
                    }
                }
                String helo = m.getString(9);
                String client = (helo == null ? "unknown" : helo) + "[" + m.getString(8) + "]";
                Instant received = Instant.ofEpochMilli(m.getLong(5));
                String delayAt = delayWarning.isZero() || delayWarning.compareTo(lifetime) >= 0 ? null
                        : received.plus(delayWarning).toString();
                return Optional.of(new QueueView.Message(m.getString(2), m.getString(3), m.getString(11), m.getLong(4),
                        received.toString(), m.getString(6), m.getString(7), client, m.getString(14), m.getBoolean(10),
                        isoOrNull(m, 12), received.plus(lifetime).toString(), delayAt, m.getInt(13) > 0, List.copyOf(list),
                        actions(c, id), EventStore.forMessage(c, m.getString(2))));
            }
        }
    }

    /**
     * The stored bytes of a message (as they will be or were sent), if it is still there and they
     * were kept: from the body store, or from the database for a body stored before V2.
     */
    public Optional<byte[]> content(String queueId) throws SQLException, IOException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT m.body_ref, b.content FROM message m LEFT JOIN message_body b "
                     + "ON b.message_id = m.id WHERE m.queue_id = ?")) {
            s.setString(1, queueId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) return Optional.empty();
                if (r.getString(1) != null) {
                    try (InputStream in = db.bodies().open(r.getString(1))) {
                        return Optional.of(in.readAllBytes());
                    }
                }
                return Optional.ofNullable(r.getBytes(2));
            }
        }
    }

    private static Map<Long, List<QueueView.Try>> tries(Connection c, long messageId) throws SQLException {
        Map<Long, List<QueueView.Try>> out = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT a.recipient_id, a.at, a.remote_host, a.remote_ip, a.stage, a.code, "
                + "a.status, a.text, a.verdict, a.category, a.wait_ms, a.why, a.tls, a.tls_verified "
                + "FROM attempt a JOIN recipient r ON r.id = a.recipient_id "
                + "WHERE r.message_id = ? ORDER BY a.id")) {
            s.setLong(1, messageId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long at = r.getLong(2);
                    int code = r.getInt(6);
                    Integer codeOrNull = r.wasNull() ? null : code;
                    long wait = r.getLong(11);
                    Long waitMs = r.wasNull() ? null : wait;
                    boolean verified = r.getBoolean(14);
                    Boolean verifiedOrNull = r.wasNull() ? null : verified;
                    out.computeIfAbsent(r.getLong(1), k -> new ArrayList<>()).add(new QueueView.Try(iso(at), r.getString(3),
                            r.getString(4), r.getString(5), codeOrNull, r.getString(7), r.getString(8), r.getString(9),
                            r.getString(10), waitMs == null ? null : waitMs / 1000, waitMs == null ? null : iso(at + waitMs),
                            r.getString(12), r.getString(13), verifiedOrNull));
                }
            }
        }
        return out;
    }

    private static List<QueueView.Action> actions(Connection c, long messageId) throws SQLException {
        List<QueueView.Action> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT at, action, recipients, origin FROM operator_action "
                + "WHERE message_id = ? ORDER BY id")) {
            s.setLong(1, messageId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(new QueueView.Action(iso(r.getLong(1)), r.getString(2), r.getInt(3), r.getString(4)));
            }
        }
        return List.copyOf(out);
    }

    private static QueueView.Recipient recipient(ResultSet r, List<QueueView.Try> tries) throws SQLException {
        int code = r.getInt(7);
        Integer lastCode = r.wasNull() ? null : code; // none for a local or operator's verdict
        QueueView.LastReply last = lastCode == null && r.getString(8) == null ? null
                : new QueueView.LastReply(lastCode, r.getString(8), r.getString(9), r.getString(10), r.getString(11));
        return new QueueView.Recipient(r.getString(2), r.getString(3), r.getInt(4), isoOrNull(r, 5), r.getString(6), last,
                r.getString(12), r.getString(13), isoOrNull(r, 14), isoOrNull(r, 15), tries == null ? null : List.copyOf(tries));
    }

    private static void bind(PreparedStatement s, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) s.setObject(i + 1, params.get(i));
    }

    private static String isoOrNull(ResultSet r, int column) throws SQLException {
        long v = r.getLong(column);
        return r.wasNull() ? null : iso(v);
    }

    private static String iso(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
