package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The queue as delivery sees it: lease due recipients, load a message's bytes, record what
 * each try came to, put work back untried, and drop messages whose recipients are all final.
 *
 * <p>Leases: a leased recipient is not due (its {@code next_attempt_at} is empty) until its
 * try is recorded or it is put back. A lease has an owner and an expiry in wall-clock time,
 * not in the relay's clock, which may run many times faster (the retry lab): like a socket
 * timeout, a lease protects against something dying in real time. Expired leases (a worker
 * that died) are reclaimed by {@link #reclaimExpiredLeases}, and at start-up every lease is
 * freed ({@link #recoverLeases}). Leasing is a conditional UPDATE on the due time, so two
 * schedulers never hold one recipient.
 */
public final class DeliveryQueue {
    private static final Logger log = LoggerFactory.getLogger("queue");
    private static final String ACTIVE_STATES = "('queued','deferred','delivering')";

    private final Database db;
    private final Wakeup wakeup;

    /** {@code wakeup} is told when a report is queued, so that it goes out at once. */
    public DeliveryQueue(Database db, Wakeup wakeup) {
        this.db = db;
        this.wakeup = wakeup;
    }

    /**
     * Leases up to {@code limit} recipients due at {@code now} (the relay's clock), the
     * longest-waiting first, until {@code leaseUntil} (wall-clock time). {@code owner} must be
     * new for every call: it is how the call reads back what it won.
     */
    public List<Leased> lease(String owner, Instant now, Instant leaseUntil, int limit) throws SQLException {
        long nowMs = now.toEpochMilli();
        List<Long> candidates = new ArrayList<>();
        try (Connection c = db.connection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM recipient WHERE next_attempt_at <= ? "
                    + "AND state IN " + ACTIVE_STATES + " ORDER BY next_attempt_at LIMIT ?")) {
                s.setLong(1, nowMs);
                s.setInt(2, limit);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) candidates.add(r.getLong(1));
                }
            }
            if (candidates.isEmpty()) return List.of();
            c.setAutoCommit(false);
            int won = 0;
            try (PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = 'delivering', lease_owner = ?, "
                    + "lease_until = ?, next_attempt_at = NULL WHERE id = ? AND next_attempt_at <= ? AND state IN " + ACTIVE_STATES)) {
                for (long id : candidates) {
                    u.setString(1, owner);
                    u.setLong(2, leaseUntil.toEpochMilli());
                    u.setLong(3, id);
                    u.setLong(4, nowMs);
                    won += u.executeUpdate();
                }
            }
            c.commit();
            return won == 0 ? List.of() : load(c, owner);
        }
    }

    /** The rows this lease won, read back in one query. */
    private static List<Leased> load(Connection c, String owner) throws SQLException {
        List<Leased> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT r.id, r.message_id, m.queue_id, r.address, r.domain, r.orcpt, "
                + "r.notify, r.attempts, r.category, r.streak, m.received_at, r.delay_notified_at FROM recipient r "
                + "JOIN message m ON m.id = r.message_id WHERE r.lease_owner = ? AND r.state = 'delivering' ORDER BY r.id")) {
            s.setString(1, owner);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long delay = r.getLong(12);
                    Instant delayNotified = r.wasNull() ? null : Instant.ofEpochMilli(delay);
                    out.add(new Leased(r.getLong(1), r.getLong(2), r.getString(3), r.getString(4), r.getString(5),
                            r.getString(6), r.getString(7), r.getInt(8), r.getString(9), r.getInt(10),
                            Instant.ofEpochMilli(r.getLong(11)), delayNotified));
                }
            }
        }
        return out;
    }

    /**
     * The envelope of a message and a way to read its body; the body is opened (and streamed)
     * only by whoever sends or quotes it. A body missing from the store fails to open, with an
     * error logged: the row is never silently dropped.
     */
    public MessageForDelivery content(long messageId) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT queue_id, sender, envid, ret, body_type, is_dsn, size, "
                     + "body_ref FROM message WHERE id = ?")) {
            s.setLong(1, messageId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) throw new SQLException("message " + messageId + " is not in the queue");
                String queueId = r.getString(1);
                String ref = r.getString(8);
                MessageForDelivery.Body body = ref == null ? () -> legacyBody(messageId) : () -> stored(queueId, ref);
                return new MessageForDelivery(messageId, queueId, r.getString(2), r.getString(3), r.getString(4),
                        r.getString(5), r.getBoolean(6), r.getLong(7), body);
            }
        }
    }

    private InputStream stored(String queueId, String ref) throws IOException {
        try {
            return db.bodies().open(ref);
        } catch (NoSuchFileException e) {
            log.error("{}: the message body '{}' is MISSING from the spool; restore it from a backup of queue.dir", queueId, ref);
            throw new NoSuchFileException(e.getFile(), null, "the message body is missing from the spool");
        }
    }

    /** A body stored before bodies moved out of the database (V2): still in message_body, read from there. */
    private InputStream legacyBody(long messageId) throws IOException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT content FROM message_body WHERE message_id = ?")) {
            s.setLong(1, messageId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) throw new NoSuchFileException("message " + messageId + " has no body in the database");
                return new ByteArrayInputStream(r.getBytes(1));
            }
        } catch (SQLException e) {
            throw new IOException("cannot read the body of message " + messageId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records one try of each recipient (an attempt row, the recipient's new state and last
     * reply) and releases their leases, in one transaction (shared with other writes: see
     * {@link GroupCommit}) that also drops every message among them whose recipients are now
     * all final.
     *
     * <p>The transaction first locks the messages' rows: two jobs for one message (recipients
     * in two domains) may finish at the same moment, and without the lock neither would see the
     * other's recipients as final, so neither would drop the message.
     *
     * <p>With the tries, {@code reports} (delivery status notifications about them) are queued
     * in the same transaction: a try and the report about it are stored together or not at all.
     */
    public void record(List<Leased> recipients, List<Attempt> attempts, List<NewMessage> reports) throws SQLException {
        if (recipients.size() != attempts.size()) throw new IllegalArgumentException("one attempt per recipient");
        List<String> dropped = new ArrayList<>();
        try {
            db.write(c -> {
                dropped.clear();
                recordIn(c, recipients, attempts, dropped);
                for (NewMessage report : reports) QueueStore.insert(c, report);
            });
        } catch (SQLException e) {
            for (NewMessage report : reports) deleteBody(report.body().key());
            throw e;
        }
        for (String body : dropped) deleteBody(body);
        if (!reports.isEmpty()) wakeup.signal();
    }

    /** After the commit that no longer names it; one left behind (a crash, an error) goes at the next start. */
    private void deleteBody(String key) {
        try {
            db.bodies().delete(key);
        } catch (IOException e) {
            log.warn("cannot delete message body '{}' (the next start removes it): {}", key, e.toString());
        }
    }

    /** Adds to {@code dropped} the body keys of the messages it drops (all their recipients final). */
    private static void recordIn(Connection c, List<Leased> recipients, List<Attempt> attempts, List<String> dropped)
            throws SQLException {
        List<Long> messages = recipients.stream().map(Leased::messageId).distinct().sorted().toList();
        {
            Map<Long, String> bodies = new HashMap<>();
            try (PreparedStatement lock = c.prepareStatement("SELECT body_ref FROM message WHERE id = ? FOR UPDATE");
                 PreparedStatement a = c.prepareStatement("INSERT INTO attempt (recipient_id, at, remote_host, remote_ip, "
                    + "stage, code, status, text, verdict, category, wait_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = ?, attempts = attempts + 1, "
                         + "next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, last_code = ?, last_status = ?, "
                         + "last_text = ?, last_host = ?, last_stage = ?, category = ?, streak = ?, final_at = ?, "
                         + "delay_notified_at = COALESCE(delay_notified_at, ?) WHERE id = ?")) {
                for (long messageId : messages) { // in id order, so two jobs never wait on each other crosswise
                    lock.setLong(1, messageId);
                    try (ResultSet r = lock.executeQuery()) {
                        if (r.next() && r.getString(1) != null) bodies.put(messageId, r.getString(1));
                    }
                }
                for (int i = 0; i < recipients.size(); i++) {
                    Leased r = recipients.get(i);
                    Attempt t = attempts.get(i);
                    long at = t.at().toEpochMilli();
                    a.setLong(1, r.recipientId());
                    a.setLong(2, at);
                    a.setString(3, t.remoteHost());
                    a.setString(4, t.remoteIp());
                    a.setString(5, t.stage());
                    setInt(a, 6, t.code());
                    a.setString(7, t.status());
                    a.setString(8, clip(t.text()));
                    a.setString(9, t.verdict());
                    a.setString(10, t.category());
                    setLong(a, 11, t.nextAttempt() == null ? null : t.nextAttempt().toEpochMilli() - at);
                    a.addBatch();

                    u.setString(1, t.state().dbName());
                    setLong(u, 2, t.nextAttempt() == null ? null : t.nextAttempt().toEpochMilli());
                    setInt(u, 3, t.code());
                    u.setString(4, t.status());
                    u.setString(5, clip(t.text()));
                    u.setString(6, t.remoteHost());
                    u.setString(7, t.stage());
                    u.setString(8, t.category());
                    u.setInt(9, t.streak());
                    setLong(u, 10, t.state().isFinal() ? at : null);
                    setLong(u, 11, t.markDelayNotified() ? at : null);
                    u.setLong(12, r.recipientId());
                    u.addBatch();
                }
                a.executeBatch();
                u.executeBatch();
                for (long messageId : messages) {
                    if (dropIfAllFinal(c, messageId) && bodies.containsKey(messageId)) dropped.add(bodies.get(messageId));
                }
            }
        }
    }

    /** Puts leased recipients back untried (their destination is busy or paused), due at {@code dueAt}. */
    public void release(List<Leased> recipients, Instant dueAt) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = CASE WHEN attempts = 0 THEN 'queued' "
                     + "ELSE 'deferred' END, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?")) {
            c.setAutoCommit(false);
            for (Leased r : recipients) {
                u.setLong(1, dueAt.toEpochMilli());
                u.setLong(2, r.recipientId());
                u.addBatch();
            }
            u.executeBatch();
            c.commit();
        }
    }

    /**
     * Frees every lease, due at once: for start-up, when no worker can be running. (The queue's
     * H2 file admits one process at a time, so every lease found then belonged to a process that
     * died.) Returns how many recipients were freed.
     */
    public int recoverLeases(Instant now) throws SQLException {
        return freeLeases("state = 'delivering'", now, null);
    }

    /**
     * Frees the leases that expired before {@code wallClock} (their worker died or hung past
     * every timeout), due at {@code now}. Returns how many recipients were freed.
     */
    public int reclaimExpiredLeases(Instant wallClock, Instant now) throws SQLException {
        return freeLeases("lease_until < ? AND state = 'delivering'", now, wallClock);
    }

    private int freeLeases(String where, Instant now, Instant before) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = CASE WHEN attempts = 0 THEN 'queued' "
                     + "ELSE 'deferred' END, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE " + where)) {
            u.setLong(1, now.toEpochMilli());
            if (before != null) u.setLong(2, before.toEpochMilli());
            return u.executeUpdate();
        }
    }

    /** When the next recipient falls due, if any is waiting. Uses the due index: no scan. */
    public Optional<Instant> nextDue() throws SQLException {
        try (Connection c = db.connection();
             ResultSet r = c.createStatement().executeQuery("SELECT MIN(next_attempt_at) FROM recipient")) {
            r.next();
            long v = r.getLong(1);
            return r.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
        }
    }

    private static boolean dropIfAllFinal(Connection c, long messageId) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM message WHERE id = ? AND NOT EXISTS "
                + "(SELECT 1 FROM recipient WHERE message_id = ? AND state NOT IN ('delivered','failed','expired'))")) {
            d.setLong(1, messageId);
            d.setLong(2, messageId);
            return d.executeUpdate() > 0;
        }
    }

    private static String clip(String text) {
        return text == null || text.length() <= 4000 ? text : text.substring(0, 3997) + "...";
    }

    private static void setInt(PreparedStatement s, int i, Integer v) throws SQLException {
        if (v == null) s.setNull(i, Types.INTEGER);
        else s.setInt(i, v);
    }

    private static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
        if (v == null) s.setNull(i, Types.BIGINT);
        else s.setLong(i, v);
    }
}
