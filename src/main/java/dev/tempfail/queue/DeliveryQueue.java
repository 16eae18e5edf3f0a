package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue as delivery sees it: lease due recipients, load a message's bytes, record what
 * each try came to, put work back untried, keep leases alive and reclaim expired ones, and
 * mark finished the messages whose recipients are all final ({@link History}). The rules (states, the due index, how a lease
 * is taken, fenced, extended and reclaimed) are the package's contract: see package-info.
 */
public final class DeliveryQueue {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    /** The due states, in the order they are leased: fresh mail before retries. */
    private static final List<String> DUE_STATES = List.of("queued", "deferred");
    /** How many candidates a lease call looks at per recipient it may take, so that postponed rows do not stop it. */
    private static final int SCAN_FACTOR = 4;
    private static final String FREED = "state = CASE WHEN attempts = 0 THEN 'queued' ELSE 'deferred' END, "
            + "next_attempt_at = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL";
    private static final String HELD = "lease_owner = ? AND lease_token = ? AND state = 'delivering'";
    // The queries whose plans DeliveryQueueIndexTest checks: each must stay an index range.
    /** Due candidates of one state (fresh or retry): state, now, limit. */
    static final String DUE = "SELECT id, domain FROM recipient WHERE state = ? "
            + "AND next_attempt_at BETWEEN 0 AND ? ORDER BY state, next_attempt_at LIMIT ?";
    /**
     * {@link #DUE} on PostgreSQL, where several nodes lease from one queue: the candidates are
     * locked as they are read, and rows another node's lease call holds are passed over, not
     * waited for, so concurrent lease calls take disjoint sets at once (DeliveryQueuePlanPostgresTest).
     */
    static final String DUE_SKIP_LOCKED = DUE + " FOR UPDATE SKIP LOCKED";
    /** The first due time of one state: state, upper bound. */
    static final String NEXT_DUE = "SELECT next_attempt_at FROM recipient WHERE state = ? "
            + "AND next_attempt_at BETWEEN 0 AND ? ORDER BY state, next_attempt_at LIMIT 1";
    /** What one lease call won: owner, token. */
    static final String LEASED = "SELECT r.id, r.message_id, m.queue_id, r.address, r.domain, r.orcpt, "
            + "r.notify, r.attempts, r.category, r.streak, m.received_at, r.delay_notified_at FROM recipient r "
            + "JOIN message m ON m.id = r.message_id WHERE r.lease_owner = ? AND r.lease_token = ? ORDER BY r.id";
    /** Frees expired leases: due time, expired before. (Only a leased row has a lease_until.) */
    static final String RECLAIM = "UPDATE recipient SET " + FREED + " WHERE lease_until BETWEEN 0 AND ?";

    /** Decides, candidate by candidate in due order, which due recipients a lease call takes. */
    public interface Admission {
        /** Takes everything. */
        Admission ALL = domain -> null;

        /**
         * Returns null to take a due recipient of {@code domain} now (the caller counts it), or
         * the time at which it should be due again instead (its destination has enough in hand).
         */
        Instant admit(String domain);
    }

    private final Database db;
    private final Wakeup wakeup;
    private final String node;
    private final boolean keepBodies;
    /** New for every lease call; starts at random so that a restarted node never reuses a token. */
    private final AtomicLong tokens = new AtomicLong(new SecureRandom().nextLong() >>> 2);

    /**
     * @param wakeup told when a report is queued, so that it goes out at once
     * @param node   this node's name ({@code queue.node_id}): the owner of the leases it takes
     */
    public DeliveryQueue(Database db, Wakeup wakeup, String node) {
        this(db, wakeup, node, false);
    }

    /** @param keepBodies keep a finished message's body for its history ({@code queue.keep_bodies}) */
    public DeliveryQueue(Database db, Wakeup wakeup, String node, boolean keepBodies) {
        this.db = db;
        this.wakeup = wakeup;
        this.node = node;
        this.keepBodies = keepBodies;
    }

    public String node() {
        return node;
    }

    /** As {@link #lease(Instant, Instant, int, Admission)}, taking every due recipient. */
    public List<Leased> lease(Instant now, Instant leaseUntil, int limit) throws SQLException {
        return lease(now, leaseUntil, limit, Admission.ALL);
    }

    /**
     * Leases up to {@code limit} recipients due at {@code now} (the relay's clock) until
     * {@code leaseUntil} (wall-clock time): fresh mail first, then retries, each the
     * longest-waiting first. Candidates that {@code admission} turns down are postponed to the
     * time it names, so that they neither get leased nor stand in front of the others.
     */
    public List<Leased> lease(Instant now, Instant leaseUntil, int limit, Admission admission) throws SQLException {
        long token = tokens.incrementAndGet();
        List<Leased> leased = new ArrayList<>();
        // In a commit shared with intake's and the workers' writes: on H2 every commit writes the
        // changed pages to the file, and a commit of its own per round cost more than the round.
        // Not waiting for the sync to the disk: a lease lost in a power cut is this node's own,
        // freed at its next start.
        db.writeUnsynced(c -> {
            leased.clear(); // the work runs again if the connection broke before its commit
            int won = 0;
            for (String state : DUE_STATES) {
                if (won < limit) won += leaseFrom(c, state, now, leaseUntil, limit - won, token, admission);
            }
            if (won > 0) leased.addAll(load(c, node, token));
        });
        return leased;
    }

    private int leaseFrom(Connection c, String state, Instant now, Instant leaseUntil, int limit, long token,
                          Admission admission) throws SQLException {
        long nowMs = now.toEpochMilli();
        List<Long> take = new ArrayList<>();
        List<Long> postpone = new ArrayList<>();
        List<Instant> postponeTo = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(db.backend() == Database.Backend.POSTGRESQL ? DUE_SKIP_LOCKED : DUE)) {
            s.setString(1, state);
            s.setLong(2, nowMs);
            s.setInt(3, limit * SCAN_FACTOR);
            try (ResultSet r = s.executeQuery()) {
                while (r.next() && take.size() < limit) {
                    Instant later = admission.admit(r.getString(2));
                    if (later == null) {
                        take.add(r.getLong(1));
                    } else {
                        postpone.add(r.getLong(1));
                        postponeTo.add(later);
                    }
                }
            }
        }
        // conditional on the row being as it was read: still in that state and due
        String stillDue = " WHERE id = ? AND state = ? AND next_attempt_at BETWEEN 0 AND ?";
        int won = 0;
        try (PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = 'delivering', lease_owner = ?, "
                + "lease_token = ?, lease_until = ?, next_attempt_at = NULL" + stillDue)) {
            for (long id : take) {
                u.setString(1, node);
                u.setLong(2, token);
                u.setLong(3, leaseUntil.toEpochMilli());
                u.setLong(4, id);
                u.setString(5, state);
                u.setLong(6, nowMs);
                u.addBatch();
            }
            for (int n : u.executeBatch()) won += n;
        }
        if (!postpone.isEmpty()) {
            try (PreparedStatement u = c.prepareStatement("UPDATE recipient SET next_attempt_at = ?" + stillDue)) {
                for (int i = 0; i < postpone.size(); i++) {
                    u.setLong(1, postponeTo.get(i).toEpochMilli());
                    u.setLong(2, postpone.get(i));
                    u.setString(3, state);
                    u.setLong(4, nowMs);
                    u.addBatch();
                }
                u.executeBatch();
            }
        }
        return won;
    }

    /** The rows one lease call won, read back in one query. */
    static List<Leased> load(Connection c, String node, long token) throws SQLException {
        List<Leased> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(LEASED)) {
            s.setString(1, node);
            s.setLong(2, token);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long delay = r.getLong(12);
                    Instant delayNotified = r.wasNull() ? null : Instant.ofEpochMilli(delay);
                    out.add(new Leased(r.getLong(1), r.getLong(2), r.getString(3), r.getString(4), r.getString(5),
                            r.getString(6), r.getString(7), r.getInt(8), r.getString(9), r.getInt(10),
                            Instant.ofEpochMilli(r.getLong(11)), delayNotified, token));
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
     * {@link GroupCommit}) that also marks finished every message among them whose recipients
     * are now all final ({@link History}).
     *
     * <p>The transaction first locks the messages' rows: two jobs for one message (recipients
     * in two domains) may finish at the same moment, and without the lock neither would see the
     * other's recipients as final, so neither would finish the message.
     *
     * <p>With the tries, {@code reports} (delivery status notifications about them) are queued
     * in the same transaction: a try and the report about it are stored together or not at all.
     *
     * @return the ids of the messages that left the queue with this (every recipient final)
     * @throws LeaseLostException if any of the recipients is no longer held by its lease: then nothing is stored
     */
    public List<Long> record(List<Leased> recipients, List<Attempt> attempts, List<NewMessage> reports) throws SQLException {
        return record(recipients, attempts, reports, List.of(), List.of());
    }

    /**
     * As {@link #record(List, List, List)}, and in the same transaction the throttle changes the
     * try calls for (a pause, a connection limit, a lifted limit): the try and what it taught
     * about its destination are stored together. The caller then {@link Destinations#remember}s them.
     * So are the delivery {@code events} for the webhook about these tries ({@link EventStore}).
     */
    public List<Long> record(List<Leased> recipients, List<Attempt> attempts, List<NewMessage> reports,
                             List<Destinations.Change> throttles, List<NewEvent> events) throws SQLException {
        if (recipients.size() != attempts.size()) throw new IllegalArgumentException("one attempt per recipient");
        List<String> dropped = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        GroupCommit.Work work = c -> {
            dropped.clear();
            removed.clear();
            recordIn(c, recipients, attempts, dropped, removed);
            for (NewMessage report : reports) QueueStore.insert(c, report);
            for (Destinations.Change change : throttles) Destinations.write(c, change);
            EventStore.insert(c, events);
        };
        try {
            // a try lost in a power cut is tried again (a duplicate at worst, as in Postfix): no wait for the
            // disk; a report is a new message, and waits for it
            if (reports.isEmpty()) db.writeUnsynced(work);
            else db.write(work);
        } catch (SQLException e) {
            History.deleteBodies(db, reports.stream().map(r -> r.body().key()).toList());
            throw e;
        }
        History.deleteBodies(db, dropped);
        if (!reports.isEmpty()) wakeup.signal();
        return removed;
    }

    /**
     * Adds to {@code dropped} the body keys (unless bodies are kept), to {@code removed} the ids,
     * of the messages it finishes (all recipients final); the caller deletes the bodies after the commit.
     */
    void recordIn(Connection c, List<Leased> recipients, List<Attempt> attempts, List<String> dropped,
                  List<Long> removed) throws SQLException {
        List<Long> messages = recipients.stream().map(Leased::messageId).distinct().sorted().toList();
        {
            try (PreparedStatement lock = c.prepareStatement("SELECT id FROM message WHERE id = ? FOR UPDATE");
                 PreparedStatement a = c.prepareStatement("INSERT INTO attempt (recipient_id, at, remote_host, remote_ip, "
                    + "stage, code, status, text, verdict, category, wait_ms, why, tls, tls_verified) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = ?, attempts = attempts + 1, "
                         + "next_attempt_at = ?, lease_owner = NULL, lease_token = NULL, lease_until = NULL, last_code = ?, last_status = ?, "
                         + "last_text = ?, last_host = ?, last_stage = ?, category = ?, streak = ?, final_at = ?, "
                         + "delay_notified_at = COALESCE(delay_notified_at, ?) WHERE id = ? AND " + HELD)) {
                for (long messageId : messages) { // in id order, so two jobs never wait on each other crosswise
                    lock.setLong(1, messageId);
                    lock.executeQuery().close();
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
                    a.setString(12, t.why());
                    a.setString(13, t.tls());
                    if (t.tlsVerified() == null) a.setNull(14, java.sql.Types.BOOLEAN);
                    else a.setBoolean(14, t.tlsVerified());
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
                    u.setString(13, node);
                    u.setLong(14, r.leaseToken());
                    u.addBatch();
                }
                requireHeld(u.executeBatch(), recipients);
                a.executeBatch();
                Instant at = attempts.get(attempts.size() - 1).at();
                for (long messageId : messages) {
                    if (History.finishIfAllFinal(c, messageId, at, keepBodies, dropped)) removed.add(messageId);
                }
            }
        }
    }

    /**
     * Puts leased recipients back untried (their destination is busy or paused), due at {@code dueAt}.
     *
     * @throws LeaseLostException if any of them is no longer held by its lease: then none is put back
     */
    public void release(List<Leased> recipients, Instant dueAt) throws SQLException {
        // shared with other writes, unsynced: a release lost in a power cut leaves a lease of this node's own,
        // freed at its next start
        db.writeUnsynced(c -> {
            try (PreparedStatement u = c.prepareStatement("UPDATE recipient SET " + FREED + " WHERE id = ? AND " + HELD)) {
                for (Leased r : recipients) {
                    u.setLong(1, dueAt.toEpochMilli());
                    u.setLong(2, r.recipientId());
                    u.setString(3, node);
                    u.setLong(4, r.leaseToken());
                    u.addBatch();
                }
                requireHeld(u.executeBatch(), recipients);
            }
        });
    }

    /** Refuses the write (the caller rolls it back) if any fenced update found its row no longer held. */
    private static void requireHeld(int[] updated, List<Leased> recipients) throws LeaseLostException {
        for (int i = 0; i < updated.length; i++) {
            if (updated[i] == 0) {
                Leased r = recipients.get(i);
                throw new LeaseLostException(r.queueId() + ": the lease on <" + r.address() + "> (token " + r.leaseToken()
                        + ") was lost: it expired and was reclaimed");
            }
        }
    }

    /**
     * Keeps this node's leases alive until {@code until} (wall-clock time): every recipient it
     * holds, running or parked in memory. Returns how many leases were extended.
     */
    public int extendLeases(Instant until) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement("UPDATE recipient SET lease_until = ? "
                     + "WHERE lease_owner = ? AND state = 'delivering'")) {
            u.setLong(1, until.toEpochMilli());
            u.setString(2, node);
            return u.executeUpdate();
        }
    }

    /**
     * For start-up: frees the leases this node left (its previous run died: none of its jobs
     * can be running) and every lease that expired before {@code wallClock}, due at {@code now}.
     * A live lease of another node sharing the queue is left alone. Returns how many were freed.
     */
    public int recoverLeases(Instant wallClock, Instant now) throws SQLException {
        return freeOwnLeases(now) + reclaimExpiredLeases(wallClock, now);
    }

    /**
     * Frees every lease this node holds, due at {@code now}: at start-up (its previous run died),
     * and at the end of a clean stop, once none of its jobs is running any more. Returns how
     * many recipients were freed.
     */
    public int freeOwnLeases(Instant now) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement("UPDATE recipient SET " + FREED
                     + " WHERE lease_owner = ? AND state = 'delivering'")) {
            u.setLong(1, now.toEpochMilli());
            u.setString(2, node);
            return u.executeUpdate();
        }
    }

    /**
     * Frees the leases that expired before {@code wallClock} (their node died or hung past
     * every timeout), due at {@code now}; their old holders' writes are refused from then on.
     * Returns how many recipients were freed.
     */
    public int reclaimExpiredLeases(Instant wallClock, Instant now) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement(RECLAIM)) {
            u.setLong(1, now.toEpochMilli());
            u.setLong(2, wallClock.toEpochMilli() - 1);
            return u.executeUpdate();
        }
    }

    /** When the next recipient falls due, if any is waiting: the first entry of each due range, no scan. */
    public Optional<Instant> nextDue() throws SQLException {
        Optional<Instant> first = Optional.empty();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement(NEXT_DUE)) {
            for (String state : DUE_STATES) {
                s.setString(1, state);
                s.setLong(2, Long.MAX_VALUE);
                try (ResultSet r = s.executeQuery()) {
                    if (r.next()) {
                        Instant at = Instant.ofEpochMilli(r.getLong(1));
                        if (first.isEmpty() || at.isBefore(first.get())) first = Optional.of(at);
                    }
                }
            }
        }
        return first;
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
