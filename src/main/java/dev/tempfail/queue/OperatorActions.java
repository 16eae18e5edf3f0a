package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's verbs on the queue (Postfix's postsuper and postqueue -f): each one a
 * transaction that changes the chosen recipients and records, per message, what was done, when
 * and from where ({@code operator_action}), which {@code queue show} lists.
 *
 * <p>Semantics, as Postfix's where it has them:
 * <ul>
 *   <li><b>hold</b>: a held recipient is never tried, not by a flush nor a retry, and does not
 *   expire while held; its lifetime keeps running from arrival, so one released after its
 *   lifetime gets one more try and expires (4.4.7) if that fails temporarily, as a message
 *   released from Postfix's hold queue does.</li>
 *   <li><b>release</b>: held recipients are due at once.</li>
 *   <li><b>flush</b> / <b>retry</b>: waiting (queued or deferred) recipients are due at once;
 *   a destination's pause or hourly cap still applies when they come up.</li>
 *   <li><b>delete</b>: the recipients end as {@code deleted}, silently; the message stays in
 *   the history like any finished message.</li>
 *   <li><b>bounce</b>: the recipients fail now with 5.0.0 "deleted by the operator" and the
 *   sender gets a failure report (see {@link #bounce}).</li>
 * </ul>
 * Every verb leaves alone a recipient whose try is under way (the queue's contract: a leased
 * row is its holder's); it is counted as busy, and the operator can repeat the verb after the try.
 */
public final class OperatorActions {
    /** Status and text of a recipient the operator bounced. */
    public static final String BOUNCE_STATUS = "5.0.0";
    public static final String BOUNCE_TEXT = "deleted by the operator";
    /** The owner of the leases a bounce takes (never a node's name: those are host names). */
    static final String OPERATOR = "operator";

    private final Database db;
    private final Wakeup wakeup;
    private final boolean keepBodies;

    public OperatorActions(Database db, Wakeup wakeup, boolean keepBodies) {
        this.db = db;
        this.wakeup = wakeup;
        this.keepBodies = keepBodies;
    }

    /** Builds the failure reports about one message's bounced recipients (the delivery side knows how). */
    public interface Reports {
        List<NewMessage> about(List<Leased> recipients, List<Attempt> attempts) throws Exception;
    }

    public QueueView.ActionResult hold(QueueFilter f, String origin, Instant now) throws SQLException {
        return change("hold", f, origin, now, "('queued','deferred')", "state = 'held', next_attempt_at = NULL", false);
    }

    public QueueView.ActionResult release(QueueFilter f, String origin, Instant now) throws SQLException {
        QueueView.ActionResult r = change("release", f, origin, now, "('held')",
                "state = CASE WHEN attempts = 0 THEN 'queued' ELSE 'deferred' END, next_attempt_at = " + now.toEpochMilli(),
                false);
        wakeup.signal();
        return r;
    }

    /** {@code flush} (the whole selection) and {@code retry} (named messages) do the same: due now. */
    public QueueView.ActionResult flush(String action, QueueFilter f, String origin, Instant now) throws SQLException {
        QueueView.ActionResult r = change(action, f, origin, now, "('queued','deferred')",
                "next_attempt_at = " + now.toEpochMilli(), false);
        wakeup.signal();
        return r;
    }

    public QueueView.ActionResult delete(QueueFilter f, String origin, Instant now) throws SQLException {
        return change("delete", f, origin, now, "('queued','deferred','held')",
                "state = 'deleted', next_attempt_at = NULL, final_at = " + now.toEpochMilli(), true);
    }

    /**
     * Fails the chosen recipients now with {@link #BOUNCE_STATUS} and queues the failure reports
     * {@code reports} builds, per message, in the same transaction. The recipients are first
     * leased (as a delivery worker would), so no try can start on them meanwhile; one already
     * being tried is left alone. If building the reports fails, the lease is given back.
     */
    public QueueView.ActionResult bounce(QueueFilter f, String origin, Instant now, Instant wallLeaseUntil, Reports reports)
            throws Exception {
        long token = new java.security.SecureRandom().nextLong() >>> 2;
        DeliveryQueue operator = new DeliveryQueue(db, wakeup, OPERATOR, keepBodies);
        List<Target> targets = new ArrayList<>();
        int busy = countBusy(f);
        List<Leased> leased = new ArrayList<>();
        db.write(c -> {
            targets.clear();
            targets.addAll(targets(c, f, "('queued','deferred','held')"));
            try (PreparedStatement u = c.prepareStatement("UPDATE recipient SET state = 'delivering', lease_owner = ?, "
                    + "lease_token = ?, lease_until = ?, next_attempt_at = NULL WHERE id = ? AND state IN ('queued','deferred','held')")) {
                for (Target t : targets) {
                    u.setString(1, OPERATOR);
                    u.setLong(2, token);
                    u.setLong(3, wallLeaseUntil.toEpochMilli());
                    u.setLong(4, t.recipientId());
                    u.addBatch();
                }
                u.executeBatch();
            }
        });
        try (Connection c = db.connection()) {
            leased.addAll(DeliveryQueue.load(c, OPERATOR, token));
        }
        if (leased.isEmpty()) return new QueueView.ActionResult("bounce", 0, List.of(), busy, null);
        Map<Long, List<Leased>> byMessage = new LinkedHashMap<>();
        for (Leased l : leased) byMessage.computeIfAbsent(l.messageId(), k -> new ArrayList<>()).add(l);
        List<Attempt> attempts = new ArrayList<>();
        List<NewMessage> dsns = new ArrayList<>();
        List<Leased> ordered = new ArrayList<>();
        try {
            for (List<Leased> group : byMessage.values()) {
                List<Attempt> as = group.stream().map(l -> new Attempt(now, null, null, "operator", null, BOUNCE_STATUS,
                        BOUNCE_TEXT, "permanent", null, 0, RecipientState.FAILED, null, false,
                        "bounced by the operator (" + origin + ")")).toList();
                dsns.addAll(reports.about(group, as));
                ordered.addAll(group);
                attempts.addAll(as);
            }
        } catch (Exception e) {
            operator.release(leased, now);
            throw e;
        }
        List<String> queueIds = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        try {
            db.write(c -> {
                queueIds.clear();
                dropped.clear();
                operator.recordIn(c, ordered, attempts, dropped, new ArrayList<>());
                for (NewMessage dsn : dsns) QueueStore.insert(c, dsn);
                for (List<Leased> group : byMessage.values()) {
                    insertAction(c, group.get(0).messageId(), now, "bounce", group.size(), origin);
                    queueIds.add(group.get(0).queueId());
                }
            });
        } catch (SQLException e) {
            History.deleteBodies(db, dsns.stream().map(d -> d.body().key()).toList());
            throw e;
        }
        History.deleteBodies(db, dropped);
        if (!dsns.isEmpty()) wakeup.signal();
        return new QueueView.ActionResult("bounce", leased.size(), List.copyOf(queueIds), busy,
                dsns.size() + " failure report(s) queued");
    }

    /** A recipient chosen by a filter, and its message. */
    private record Target(long recipientId, long messageId, String queueId) {}

    /**
     * One verb as one transaction: the recipients the filter picks that are in {@code eligible}
     * states get {@code set}; each message touched gets an operator_action row.
     */
    private QueueView.ActionResult change(String action, QueueFilter f, String origin, Instant now, String eligible,
                                          String set, boolean finishes) throws SQLException {
        int busy = countBusy(f);
        Map<Long, Integer> changed = new LinkedHashMap<>();
        Map<Long, String> ids = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        db.write(c -> {
            changed.clear();
            ids.clear();
            dropped.clear();
            List<Target> targets = targets(c, f, eligible);
            try (PreparedStatement u = c.prepareStatement("UPDATE recipient SET " + set + " WHERE id = ? AND state IN " + eligible)) {
                for (Target t : targets) {
                    u.setLong(1, t.recipientId());
                    if (u.executeUpdate() == 1) {
                        changed.merge(t.messageId(), 1, Integer::sum);
                        ids.put(t.messageId(), t.queueId());
                    }
                }
            }
            for (Map.Entry<Long, Integer> e : changed.entrySet()) {
                insertAction(c, e.getKey(), now, action, e.getValue(), origin);
                if (finishes) History.finishIfAllFinal(c, e.getKey(), now, keepBodies, dropped);
            }
        });
        History.deleteBodies(db, dropped);
        int recipients = changed.values().stream().mapToInt(Integer::intValue).sum();
        return new QueueView.ActionResult(action, recipients, List.copyOf(ids.values()), busy, null);
    }

    private static List<Target> targets(Connection c, QueueFilter f, String eligible) throws SQLException {
        List<Object> params = new ArrayList<>();
        String where = f.messageSql(params) + " AND " + f.recipientSql(params);
        List<Target> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT r.id, r.message_id, m.queue_id FROM recipient r "
                + "JOIN message m ON m.id = r.message_id WHERE " + where + " AND r.state IN " + eligible + " ORDER BY r.id")) {
            for (int i = 0; i < params.size(); i++) s.setObject(i + 1, params.get(i));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(new Target(r.getLong(1), r.getLong(2), r.getString(3)));
            }
        }
        return out;
    }

    private int countBusy(QueueFilter f) throws SQLException {
        try (Connection c = db.connection()) {
            return targets(c, f, "('delivering')").size();
        }
    }

    private static void insertAction(Connection c, long messageId, Instant now, String action, int recipients, String origin)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO operator_action (message_id, at, action, recipients, origin) "
                + "VALUES (?, ?, ?, ?, ?)")) {
            s.setLong(1, messageId);
            s.setLong(2, now.toEpochMilli());
            s.setString(3, action);
            s.setInt(4, recipients);
            s.setString(5, origin.length() <= 255 ? origin : origin.substring(0, 255));
            s.executeUpdate();
        }
    }
}
