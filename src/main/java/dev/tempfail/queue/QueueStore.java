package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Writes new messages into the queue. {@link #enqueue} returns only once the message and all
 * its recipients are committed, their body durable before them: the caller may then say 250. Sessions that
 * finish DATA together share a commit ({@link GroupCommit}).
 */
public final class QueueStore {
    private final Database db;
    private final Wakeup wakeup;
    private final FreeSpace space;

    public QueueStore(Database db, Wakeup wakeup) {
        this(db, wakeup, FreeSpace.UNCHECKED);
    }

    /** {@code space}: whether there is room for a new message ({@link #hasRoomFor}). */
    public QueueStore(Database db, Wakeup wakeup, FreeSpace space) {
        this.db = db;
        this.wakeup = wakeup;
        this.space = space;
    }

    /** Whether a message of {@code size} bytes (0 = not announced) may come in without eating into queue.min_free. */
    public boolean hasRoomFor(long size) {
        return space.hasRoomFor(size);
    }

    /**
     * Stores the message durably (its body is already sealed in {@link #bodies()}); returns when
     * it is committed, throws if it was not (the caller then discards the body).
     */
    public void enqueue(NewMessage m) throws SQLException {
        db.write(c -> insert(c, m));
        wakeup.signal();
    }

    /** Where intake writes a message's body before {@link #enqueue}. */
    public BodyStore bodies() {
        return db.bodies();
    }

    /** Inserts a message naming its body, with its recipients, due at once, inside the caller's transaction. */
    static void insert(Connection c, NewMessage m) throws SQLException {
        long received = m.receivedAt().toEpochMilli();
        long messageId = insertMessage(c, m, received);
        try (PreparedStatement r = c.prepareStatement(
                "INSERT INTO recipient (message_id, address, domain, orcpt, notify, state, next_attempt_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (NewMessage.NewRecipient rcpt : m.recipients()) {
                r.setLong(1, messageId);
                r.setString(2, rcpt.address());
                r.setString(3, rcpt.domain());
                r.setString(4, rcpt.orcpt());
                r.setString(5, rcpt.notifyOn());
                r.setString(6, RecipientState.QUEUED.dbName());
                r.setLong(7, received);
                r.addBatch();
            }
            r.executeBatch();
        }
    }

    private static long insertMessage(Connection c, NewMessage m, long received) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO message (queue_id, sender, envid, ret, body_type, smtputf8, size, received_at, "
                        + "client_address, client_helo, is_dsn, body_ref, auth_user, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, m.queueId());
            s.setString(2, m.sender());
            s.setString(3, m.envid());
            s.setString(4, m.ret());
            s.setString(5, m.bodyType());
            s.setBoolean(6, m.smtputf8());
            s.setLong(7, m.body().size());
            s.setLong(8, received);
            s.setString(9, m.clientAddress());
            s.setString(10, m.clientHelo());
            s.setBoolean(11, m.isDsn());
            s.setString(12, m.body().key());
            s.setString(13, m.authUser());
            s.setString(14, m.subject() == null || m.subject().length() <= 255 ? m.subject() : m.subject().substring(0, 254) + "\u2026");
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }
}
