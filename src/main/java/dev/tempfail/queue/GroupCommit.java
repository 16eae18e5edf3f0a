package dev.tempfail.queue;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Durable writes that share commits. Every commit is a write to the H2 file (or a flush of
 * PostgreSQL's write-ahead log), and those are serialised; so threads that write at the same
 * moment (sessions finishing DATA, workers recording tries) hand their work to one committer
 * thread, which runs whatever is waiting in one transaction, commits once, and then releases
 * every caller in it. Alone, a write is committed at once; under load, many share a commit.
 *
 * <p>{@link #run} returns only after the commit that holds the caller's work: a caller may
 * then say 250. Each work runs under a savepoint, so one bad write (a value the schema refuses)
 * fails only its own caller and the rest of the batch still commits together, once.
 *
 * <p>Faults are bounded: a caller waits at most {@link #WAIT_LIMIT} (then it is told the write
 * failed, and without a 250 a client sends again: a duplicate at worst), and a committer or
 * syncer thread that dies of anything (an Error such as a stack overflow included) fails the
 * callers it held and is replaced by a new thread.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");

    /** The most works in one commit: enough to amortise the write, small enough to keep latency low. */
    static final int MAX_BATCH = 64;
    /** The longest a caller waits for its commit and sync; far more than a healthy disk ever needs. */
    static final Duration WAIT_LIMIT = Duration.ofMinutes(2);

    /** One caller's part of a transaction. It must leave the transaction open: the committer commits. */
    interface Work {
        void run(Connection c) throws SQLException;
    }

    /** @param sync whether the caller waits for the sync to the disk too, or only for the commit */
    private record Pending(Work work, boolean sync, CompletableFuture<Void> committed) {}

    private final HikariDataSource pool;
    private final BodyStore bodies;
    private final boolean fsync;
    private final boolean checkpoint;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    /** Committed works waiting for the next sync to the disk (only with fsync on). */
    private final BlockingQueue<Pending> unsynced = new LinkedBlockingQueue<>();
    private volatile Thread committer;
    private volatile Thread syncer;
    /** Forces the spool directory while the syncer forces the H2 file. */
    private final ExecutorService directorySyncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "queue-sync-spool");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean open = true;

    /**
     * @param bodies the bodies the rows name: synced ({@link BodyStore#sync}) before the commits that name them count
     * @param fsync  after commits, force the bodies and the file to the disk before releasing the
     *               callers (a separate thread syncs while the next batch is committed), so that a
     *               250 survives a power loss, not only the death of the process
     * @param checkpoint the database is H2, whose file the sync forces with {@code CHECKPOINT SYNC};
     *               a PostgreSQL commit is already on the server's disk when it returns
     */
    GroupCommit(HikariDataSource pool, BodyStore bodies, boolean fsync, boolean checkpoint) {
        this.pool = pool;
        this.bodies = bodies;
        this.fsync = fsync;
        this.checkpoint = checkpoint;
        startCommitter();
        if (fsync) startSyncer();
    }

    private void startCommitter() {
        committer = daemon(this::commitLoop, "queue-committer");
    }

    private void startSyncer() {
        syncer = daemon(this::syncLoop, "queue-sync");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Runs {@code work} in a shared transaction; returns once it is committed (and synced), throws if it was not. */
    void run(Work work) throws SQLException {
        run(work, true);
    }

    /**
     * As {@link #run(Work)}; with {@code sync} false it returns once the commit is written to
     * the file (safe from the process dying), without waiting for the next sync to the disk,
     * which covers it all the same. For writes whose loss in a power cut costs a duplicate at
     * worst, never an acknowledged message: the record of a delivery.
     */
    void run(Work work, boolean sync) throws SQLException {
        if (!open) throw new SQLException("the queue is closed");
        Pending p = new Pending(work, sync, new CompletableFuture<>());
        pending.add(p);
        try {
            p.committed().get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException s ? s : new SQLException("write failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            // it may still be committed: for intake, without a 250 the client sends again (a duplicate at worst)
            throw new SQLException("no commit within " + WAIT_LIMIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the commit", e);
        }
    }

    /** Works handed in and not yet taken into a batch (for tests that line up a batch). */
    int waiting() {
        return pending.size();
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
            } catch (Throwable t) {
                replaceAfter(t, batch, "committer", this::startCommitter);
                return;
            } finally {
                batch.clear();
            }
        }
        SQLException closed = new SQLException("the queue is closed");
        for (Pending p; (p = pending.poll()) != null; ) p.committed().completeExceptionally(closed);
    }

    /**
     * A thread of ours died of something no write should throw (a bug, an Error): what it held
     * may or may not be committed, so its callers are told it failed (no 250; a duplicate at
     * worst), and a new thread takes over.
     */
    private void replaceAfter(Throwable t, List<Pending> held, String what, Runnable restart) {
        log.error("queue {} failed, {} write(s) refused, starting a new {}: {}", what, held.size(), what, t.toString(), t);
        SQLException failed = new SQLException("queue write failed: " + t, t);
        held.forEach(p -> p.committed().completeExceptionally(failed));
        if (open) restart.run();
    }

    private void commit(List<Pending> batch) {
        try {
            commitOnce(batch);
        } catch (ConnectionLost e) {
            // A connection the server dropped while it sat in the pool (a restart, a fail-over):
            // nothing of the batch reached a commit, so it is safe to run again, once, on a fresh
            // connection, after the pool has let go of every connection it had.
            log.warn("queue connection lost before the commit, retrying the batch on a new connection: {}", e.getCause().toString());
            pool.getHikariPoolMXBean().softEvictConnections();
            try {
                commitOnce(batch.stream().filter(p -> !p.committed().isDone()).toList());
            } catch (ConnectionLost again) {
                SQLException failed = again.getCause();
                batch.forEach(p -> p.committed().completeExceptionally(failed));
            }
        }
    }

    /** Thrown when the connection broke before the commit was sent: the batch may be run again. */
    private static final class ConnectionLost extends Exception {
        ConnectionLost(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }

    private void commitOnce(List<Pending> batch) throws ConnectionLost {
        List<Pending> stored = new ArrayList<>(batch.size());
        boolean committing = false;
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (Pending p : batch) {
                    if (runUnderSavepoint(c, p)) stored.add(p);
                }
                committing = true;
                c.commit();
            } catch (Throwable t) {
                try {
                    c.rollback();
                } catch (SQLException | RuntimeException ignored) {
                    // the connection is broken anyway; nothing of this batch counts
                }
                throw t;
            }
        } catch (SQLException e) {
            if (!committing && connectionBroken(e)) throw new ConnectionLost(e);
            failAll(batch, e);
            return;
        } catch (RuntimeException e) {
            failAll(batch, e);
            return;
        }
        for (Pending p : stored) {
            if (fsync && p.sync()) unsynced.add(p);
            else p.committed().complete(null);
        }
    }

    /**
     * The whole batch failed (a broken connection, a failed commit): every caller in it is told,
     * including any whose work never started (a future already failed under its savepoint stays so).
     */
    private static void failAll(List<Pending> batch, Exception e) {
        batch.forEach(p -> p.committed().completeExceptionally(e));
    }

    /** SQL state class 08 (connection exception) or 57P0x (the server is shutting the session down). */
    static boolean connectionBroken(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }

    /** One caller's work; if it fails, only it is rolled back and told, and the batch goes on. */
    private static boolean runUnderSavepoint(Connection c, Pending p) throws SQLException {
        Savepoint before = c.setSavepoint();
        try {
            p.work().run(c);
            return true;
        } catch (SQLException | RuntimeException e) {
            c.rollback(before);
            p.committed().completeExceptionally(e);
            return false;
        }
    }

    /**
     * Forces everything committed so far to the disk (the bodies first, then the H2 file), then
     * releases its callers. While one sync runs, the committer goes on committing: the next sync
     * covers all of that at once.
     */
    private void syncLoop() {
        List<Pending> synced = new ArrayList<>();
        while (open || !unsynced.isEmpty() || committer.isAlive()) {
            try {
                Pending first = unsynced.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                synced.add(first);
                unsynced.drainTo(synced); // everything committed before the sync starts is covered by it
                try {
                    syncBodiesAndFile();
                    synced.forEach(p -> p.committed().complete(null));
                } catch (Exception e) {
                    SQLException failed = e instanceof SQLException s ? s : new SQLException("queue sync failed: " + e, e);
                    synced.forEach(p -> p.committed().completeExceptionally(failed));
                }
            } catch (InterruptedException e) {
                break;
            } catch (Throwable t) {
                replaceAfter(t, synced, "syncer", this::startSyncer);
                return;
            } finally {
                synced.clear();
            }
        }
    }

    /**
     * The spool directory's entries and the H2 file, forced at the same time: both must be on the
     * disk before a 250, and neither orders the other (each body file was forced before its row
     * was committed). One after the other, they made a 250 wait for two syncs in a row here.
     */
    private void syncBodiesAndFile() throws Exception {
        if (!checkpoint) {
            bodies.sync();
            return;
        }
        CompletableFuture<Void> directory = CompletableFuture.runAsync(() -> {
            try {
                bodies.sync();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, directorySyncer);
        try {
            checkpointSync();
        } finally {
            try {
                directory.get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                throw cause instanceof Exception x ? x : new SQLException("spool directory sync failed: " + cause, cause);
            }
        }
    }

    private void checkpointSync() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    /** Commits (and syncs) what is already waiting, then refuses new work. */
    @Override
    public void close() {
        open = false;
        try {
            committer.join(10_000);
            if (syncer != null) syncer.join(10_000);
            directorySyncer.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
