package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code event} table: delivery events waiting for (or done with) the webhook. Events are
 * inserted by {@link DeliveryQueue#record} in the try's own transaction; the webhook sender
 * takes the due ones, and marks each sent or failed with its next try. One sender per queue
 * (the H2 file admits one process), so due events need no lease.
 */
public final class EventStore {
    private final Database db;

    public EventStore(Database db) {
        this.db = db;
    }

    /** An event due for (another) POST. */
    public record Due(long id, String kind, String body, int tries) {}

    static void insert(Connection c, List<NewEvent> events) throws SQLException {
        if (events.isEmpty()) return;
        try (PreparedStatement s = c.prepareStatement("INSERT INTO event (queue_id, recipient, kind, at, body, next_try_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)")) {
            for (NewEvent e : events) {
                s.setString(1, e.queueId());
                s.setString(2, e.recipient());
                s.setString(3, e.kind());
                s.setLong(4, e.at().toEpochMilli());
                s.setString(5, e.body());
                s.setLong(6, e.at().toEpochMilli());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Up to {@code limit} events due at {@code now}, the longest-waiting first. */
    public List<Due> due(Instant now, int limit) throws SQLException {
        List<Due> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT id, kind, body, tries FROM event WHERE next_try_at <= ? "
                     + "ORDER BY next_try_at, id LIMIT ?")) {
            s.setLong(1, now.toEpochMilli());
            s.setInt(2, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(new Due(r.getLong(1), r.getString(2), r.getString(3), r.getInt(4)));
            }
        }
        return out;
    }

    /** The receiver took it (2xx). */
    public void sent(long id, Instant at) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("UPDATE event SET tries = tries + 1, next_try_at = NULL, sent_at = ?, "
                     + "last_error = NULL WHERE id = ?")) {
            s.setLong(1, at.toEpochMilli());
            s.setLong(2, id);
            s.executeUpdate();
        }
    }

    /** The POST failed: try again at {@code next}. */
    public void failed(long id, Instant next, String error) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("UPDATE event SET tries = tries + 1, next_try_at = ?, last_error = ? "
                     + "WHERE id = ?")) {
            s.setLong(1, next.toEpochMilli());
            s.setString(2, clip(error));
            s.setLong(3, id);
            s.executeUpdate();
        }
    }

    /** Deletes up to {@code limit} events sent before {@code before}; returns how many. */
    public int purgeSent(Instant before, int limit) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("DELETE FROM event WHERE id IN (SELECT id FROM event "
                     + "WHERE sent_at < ? ORDER BY sent_at LIMIT ?)")) {
            s.setLong(1, before.toEpochMilli());
            s.setInt(2, limit);
            return s.executeUpdate();
        }
    }

    /** The events about one message, in the order they happened, for {@code queue show}. */
    public List<QueueView.Event> forMessage(String queueId) throws SQLException {
        try (Connection c = db.connection()) {
            return forMessage(c, queueId);
        }
    }

    static List<QueueView.Event> forMessage(Connection c, String queueId) throws SQLException {
        List<QueueView.Event> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT kind, recipient, at, tries, next_try_at, sent_at, last_error "
                + "FROM event WHERE queue_id = ? ORDER BY id")) {
            s.setString(1, queueId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long next = r.getLong(5);
                    String nextTry = r.wasNull() ? null : Instant.ofEpochMilli(next).toString();
                    long sent = r.getLong(6);
                    String sentAt = r.wasNull() ? null : Instant.ofEpochMilli(sent).toString();
                    out.add(new QueueView.Event(r.getString(1), r.getString(2), Instant.ofEpochMilli(r.getLong(3)).toString(),
                            sentAt != null ? "sent" : "pending", r.getInt(4), sentAt, nextTry, r.getString(7)));
                }
            }
        }
        return out;
    }

    private static String clip(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 997) + "...";
    }
}
