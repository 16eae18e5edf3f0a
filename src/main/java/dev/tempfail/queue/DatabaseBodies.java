package dev.tempfail.queue;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bodies in the queue database itself ({@code body_chunk}), for a PostgreSQL queue that several
 * nodes share: a body one node took in is read by whichever node delivers it. A body is a run of
 * chunks of at most {@link #CHUNK} bytes under its key; a session's draft buffers one chunk and
 * writes each as it fills, and a reader fetches one chunk at a time, so the heap holds one chunk
 * per body in flight, never a whole message, and no connection is held while a client or a next
 * hop is slow.
 *
 * <p>Durability: each chunk is committed with {@code synchronous_commit} off, which spares a
 * write-ahead-log flush per chunk. That is safe because the commit that names the body (the
 * message row, synchronous, {@link GroupCommit}) comes after it: PostgreSQL flushes its log in
 * order, so once that commit has returned every chunk before it is on the disk too (and on a
 * synchronous standby). A crash before it loses the chunks and the unacknowledged message
 * together. So {@link #sync} has nothing to do.
 *
 * <p>Sweeping: the chunks carry the node that wrote them and when, so that the start-up sweep
 * ({@link #sweep}) of one node never removes a body another node's session is writing at that
 * moment.
 */
public final class DatabaseBodies implements BodyStore {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    /** The most bytes in one chunk: the buffer a session or a reader holds. */
    static final int CHUNK = 64 * 1024;
    /** A body another node wrote within this long may belong to a session still going on there. */
    static final Duration IN_PROGRESS = Duration.ofHours(1);
    private static final String ASYNC = "SET LOCAL synchronous_commit TO off";

    private final HikariDataSource db;
    private final String node;
    private final Clock wallClock;

    /** @param node this node's name, written on its chunks ({@code queue.node_id}) */
    DatabaseBodies(HikariDataSource db, String node, Clock wallClock) {
        this.db = db;
        this.node = node;
        this.wallClock = wallClock;
    }

    @Override
    public Draft create(String queueId) {
        return new ChunkDraft(queueId);
    }

    @Override
    public InputStream open(String key) throws IOException {
        ChunkReader in = new ChunkReader(key);
        if (!in.fill() && in.next == 0) throw new NoSuchFileException(key, null, "no such body in the queue database");
        return in;
    }

    @Override
    public void delete(String key) throws IOException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM body_chunk WHERE body_key = ?")) {
            s.setString(1, key);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("cannot delete body " + key + ": " + e.getMessage(), e);
        }
    }

    /** Nothing: a body's chunks are durable once the synchronous commit naming it returns (see the class comment). */
    @Override
    public void sync() {}

    @Override
    public List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT body_key FROM body_chunk WHERE seq = 0")) {
            while (r.next()) keys.add(r.getString(1));
        } catch (SQLException e) {
            throw new IOException("cannot list the bodies: " + e.getMessage(), e);
        }
        return keys;
    }

    /**
     * The start-up sweep, before this node listens: removes the bodies no message names that no
     * live session may still be writing (this node's own, and other nodes' older than
     * {@link #IN_PROGRESS}), and reports each message whose body is missing (only a hand in the
     * database can do that: a body is committed before the row that names it).
     */
    void sweep() throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement d = c.prepareStatement("DELETE FROM body_chunk WHERE (node = ? OR written_at < ?) "
                     + "AND NOT EXISTS (SELECT 1 FROM message m WHERE m.body_ref = body_chunk.body_key)");
             Statement s = c.createStatement()) {
            d.setString(1, node);
            d.setLong(2, wallClock.millis() - IN_PROGRESS.toMillis());
            int removed = d.executeUpdate();
            if (removed > 0) log.info("removed {} body chunk(s) that no message names (left by a stop between body and commit)", removed);
            try (ResultSet r = s.executeQuery("SELECT queue_id, body_ref FROM message m WHERE body_ref IS NOT NULL "
                    + "AND NOT EXISTS (SELECT 1 FROM body_chunk b WHERE b.body_key = m.body_ref AND b.seq = 0)")) {
                while (r.next()) {
                    log.error("{}: the message body '{}' is MISSING from the queue database: the message cannot be delivered "
                            + "until it is restored from a backup", r.getString(1), r.getString(2));
                }
            }
        }
    }

    /**
     * Inserts one chunk in a transaction of its own. A connection the server dropped while it sat
     * in the pool (a restart, a fail-over) is replaced and the chunk written once more, as
     * {@link GroupCommit} does: nothing of it was committed, or (lost during the commit) the same
     * bytes are there already under the same key.
     */
    private void writeChunk(String key, int seq, byte[] data, int length) throws IOException {
        byte[] bytes = length == data.length ? data : Arrays.copyOf(data, length);
        for (int attempt = 1; ; attempt++) {
            try {
                insertChunk(key, seq, bytes);
                return;
            } catch (SQLException e) {
                boolean alreadyThere = attempt > 1 && "23505".equals(e.getSQLState()); // unique_violation
                if (alreadyThere) return;
                if (attempt == 1 && GroupCommit.connectionBroken(e)) {
                    log.warn("queue connection lost while storing a body chunk, retrying on a new connection: {}", e.toString());
                    db.getHikariPoolMXBean().softEvictConnections();
                    continue;
                }
                throw new IOException("cannot store the message body in the queue database: " + e.getMessage(), e);
            }
        }
    }

    private void insertChunk(String key, int seq, byte[] bytes) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement async = c.createStatement();
                 PreparedStatement s = c.prepareStatement(
                         "INSERT INTO body_chunk (body_key, seq, data, node, written_at) VALUES (?, ?, ?, ?, ?)")) {
                async.execute(ASYNC);
                s.setString(1, key);
                s.setInt(2, seq);
                s.setBytes(3, bytes);
                s.setString(4, node);
                s.setLong(5, wallClock.millis());
                s.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken anyway
                }
                throw e;
            }
        }
    }

    private final class ChunkDraft extends Draft {
        private final String key;
        private final byte[] buffer = new byte[CHUNK];
        private int length;
        private int chunks;
        private long size;
        private boolean done;

        ChunkDraft(String key) {
            this.key = key;
        }

        @Override
        public void write(int b) throws IOException {
            if (length == CHUNK) flushChunk();
            buffer[length++] = (byte) b;
            size++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (length == CHUNK) flushChunk();
                int n = Math.min(len, CHUNK - length);
                System.arraycopy(b, off, buffer, length, n);
                length += n;
                off += n;
                len -= n;
                size += n;
            }
        }

        private void flushChunk() throws IOException {
            writeChunk(key, chunks, buffer, length);
            chunks++;
            length = 0;
        }

        @Override
        public Stored seal() throws IOException {
            if (length > 0 || chunks == 0) flushChunk(); // an empty body still has its first chunk: it exists
            done = true;
            return new Stored(key, size);
        }

        @Override
        public void discard() {
            done = true;
            if (chunks == 0) return;
            try {
                delete(key);
            } catch (IOException e) {
                // the start-up sweep of this node removes it
            }
        }

        @Override
        public void close() {
            if (!done) discard();
        }
    }

    /** Reads a body chunk by chunk, each with a connection of its own for the moment it takes. */
    private final class ChunkReader extends InputStream {
        private final String key;
        private byte[] chunk;
        private int pos;
        private int next;
        private boolean end;

        ChunkReader(String key) {
            this.key = key;
        }

        /** Fetches the next chunk when the current one is used up; false at the end of the body. */
        private boolean fill() throws IOException {
            while (!end && (chunk == null || pos == chunk.length)) {
                try (Connection c = db.getConnection();
                     PreparedStatement s = c.prepareStatement("SELECT data FROM body_chunk WHERE body_key = ? AND seq = ?")) {
                    s.setString(1, key);
                    s.setInt(2, next);
                    try (ResultSet r = s.executeQuery()) {
                        if (r.next()) {
                            chunk = r.getBytes(1);
                            pos = 0;
                            next++;
                        } else {
                            end = true;
                        }
                    }
                } catch (SQLException e) {
                    throw new IOException("cannot read body " + key + " from the queue database: " + e.getMessage(), e);
                }
            }
            return !end || (chunk != null && pos < chunk.length);
        }

        @Override
        public int read() throws IOException {
            if (!fill()) return -1;
            return chunk[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!fill()) return -1;
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
