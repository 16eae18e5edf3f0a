package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes new messages into the queue. {@link #enqueue} returns only once the message, its
 * bytes and all its recipients are committed: the caller may then say 250.
 *
 * <p>Group commit: every durable commit is a write to the H2 file, and those are serialised,
 * so sessions that finish DATA at the same moment share one. Each hands its message to a
 * single committer thread, which stores whatever is waiting in one transaction and then
 * releases every session in it. Alone, a message is committed at once; under load, many go
 * in one commit. If a batch fails, each message is retried in a transaction of its own, so
 * one bad message fails only its own session.
 */
public final class QueueStore implements AutoCloseable {
    /** The most messages in one commit: enough to amortise the write, small enough to keep latency low. */
    static final int MAX_BATCH = 64;

    private final Database db;
    private final Wakeup wakeup;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Thread committer;
    private volatile boolean open = true;

    private record Pending(NewMessage message, CompletableFuture<Void> committed) {}

    public QueueStore(Database db, Wakeup wakeup) {
        this.db = db;
        this.wakeup = wakeup;
        this.committer = new Thread(this::commitLoop, "queue-committer");
        committer.setDaemon(true);
        committer.start();
    }

    /** Stores the message durably; returns when it is committed, throws if it was not. */
    public void enqueue(NewMessage m) throws SQLException {
        if (!open) throw new SQLException("the queue is closed");
        Pending p = new Pending(m, new CompletableFuture<>());
        pending.add(p);
        try {
            p.committed().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException s ? s : new SQLException("cannot store message", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // the message may still be committed: without a 250 the client sends it again (a duplicate at worst)
            throw new SQLException("interrupted while storing the message", e);
        }
    }

    private void commitLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (open || !pending.isEmpty()) {
            try {
                Pending first = pending.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                pending.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                break;
            } finally {
                batch.clear();
            }
        }
        SQLException closed = new SQLException("the queue is closed");
        for (Pending p; (p = pending.poll()) != null; ) p.committed().completeExceptionally(closed);
    }

    private void commit(List<Pending> batch) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                for (Pending p : batch) insert(c, p.message());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            wakeup.signal();
            batch.forEach(p -> p.committed().complete(null));
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).committed().completeExceptionally(e);
            } else {
                for (Pending p : batch) commit(List.of(p));
            }
        }
    }

    /** Inserts a message with its bytes and recipients, due at once, inside the caller's transaction. */
    static void insert(Connection c, NewMessage m) throws SQLException {
        long received = m.receivedAt().toEpochMilli();
        long messageId = insertMessage(c, m, received);
        try (PreparedStatement body = c.prepareStatement(
                "INSERT INTO message_body (message_id, content) VALUES (?, ?)")) {
            body.setLong(1, messageId);
            body.setBytes(2, m.content());
            body.executeUpdate();
        }
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
                        + "client_address, client_helo, is_dsn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, m.queueId());
            s.setString(2, m.sender());
            s.setString(3, m.envid());
            s.setString(4, m.ret());
            s.setString(5, m.bodyType());
            s.setBoolean(6, m.smtputf8());
            s.setLong(7, m.content().length);
            s.setLong(8, received);
            s.setString(9, m.clientAddress());
            s.setString(10, m.clientHelo());
            s.setBoolean(11, m.isDsn());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Commits what is already waiting, then refuses new messages. */
    @Override
    public void close() {
        open = false;
        try {
            committer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
