package dev.tempfail.queue;

import org.h2.jdbcx.JdbcConnectionPool;

import java.sql.Connection;
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
 * Durable writes that share commits. Every commit is a write to the H2 file, and those are
 * serialised; so threads that write at the same moment (sessions finishing DATA, workers
 * recording tries) hand their work to one committer thread, which runs whatever is waiting
 * in one transaction, commits once, and then releases every caller in it. Alone, a write is
 * committed at once; under load, many share a commit.
 *
 * <p>{@link #run} returns only after the commit that holds the caller's work: a caller may
 * then say 250. If a batch fails, each work is run again in a transaction of its own, so one
 * bad write fails only its own caller.
 */
final class GroupCommit implements AutoCloseable {
    /** The most works in one commit: enough to amortise the write, small enough to keep latency low. */
    static final int MAX_BATCH = 64;

    /** One caller's part of a transaction. It must leave the transaction open: the committer commits. */
    interface Work {
        void run(Connection c) throws SQLException;
    }

    private record Pending(Work work, CompletableFuture<Void> committed) {}

    private final JdbcConnectionPool pool;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    /** Committed works waiting for the next sync to the disk (only with fsync on). */
    private final BlockingQueue<Pending> unsynced = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final Thread syncer;
    private volatile boolean open = true;

    /**
     * @param fsync after commits, force the file to the disk before releasing the callers (a
     *              separate thread syncs while the next batch is committed), so that a 250
     *              survives a power loss, not only the death of the process
     */
    GroupCommit(JdbcConnectionPool pool, boolean fsync) {
        this.pool = pool;
        this.committer = new Thread(this::commitLoop, "queue-committer");
        committer.setDaemon(true);
        committer.start();
        if (fsync) {
            syncer = new Thread(this::syncLoop, "queue-sync");
            syncer.setDaemon(true);
            syncer.start();
        } else {
            syncer = null;
        }
    }

    /** Runs {@code work} in a shared transaction; returns once it is committed, throws if it was not. */
    void run(Work work) throws SQLException {
        if (!open) throw new SQLException("the queue is closed");
        Pending p = new Pending(work, new CompletableFuture<>());
        pending.add(p);
        try {
            p.committed().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException s ? s : new SQLException("write failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // the work may still be committed: for intake, without a 250 the client sends again (a duplicate at worst)
            throw new SQLException("interrupted while waiting for the commit", e);
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
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (Pending p : batch) p.work().run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            if (syncer == null) batch.forEach(p -> p.committed().complete(null));
            else unsynced.addAll(batch);
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).committed().completeExceptionally(e);
            } else {
                for (Pending p : batch) commit(List.of(p));
            }
        }
    }

    /**
     * Forces everything committed so far to the disk, then releases its callers. While one sync
     * runs, the committer goes on committing: the next sync covers all of that at once.
     */
    private void syncLoop() {
        List<Pending> synced = new ArrayList<>();
        while (open || !unsynced.isEmpty() || committer.isAlive()) {
            try {
                Pending first = unsynced.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                synced.add(first);
                unsynced.drainTo(synced); // everything committed before the sync starts is covered by it
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.execute("CHECKPOINT SYNC");
                    synced.forEach(p -> p.committed().complete(null));
                } catch (SQLException | RuntimeException e) {
                    synced.forEach(p -> p.committed().completeExceptionally(e));
                }
            } catch (InterruptedException e) {
                break;
            } finally {
                synced.clear();
            }
        }
    }

    /** Commits (and syncs) what is already waiting, then refuses new work. */
    @Override
    public void close() {
        open = false;
        try {
            committer.join(10_000);
            if (syncer != null) syncer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
