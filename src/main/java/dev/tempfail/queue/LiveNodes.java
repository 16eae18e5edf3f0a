package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes that share this queue and are alive (running, heartbeat within
 * {@link NodeHeartbeat#SILENT_AFTER}), read from the {@code node} table at most every
 * {@link #REFRESH}; and this node's share of a limit that holds for all of them together.
 *
 * <p>A limit of N divided among n nodes gives each N / n, and the N mod n left over go one each
 * to the first nodes by name: the shares add up to N exactly, so a destination that allows one
 * connection gets one from the whole cluster (a node whose share is 0 leaves that destination's
 * mail to the others). A node that died counts until it falls silent, which only makes the
 * others' shares smaller meanwhile; a node that just started is counted by the others within
 * {@link #REFRESH}, the one moment the cluster may briefly open more than N.
 */
public final class LiveNodes {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    /** How often the node table is read again. */
    static final Duration REFRESH = Duration.ofSeconds(5);
    /** One node alone: every share is the whole limit. */
    public static final LiveNodes ALONE = new LiveNodes(null, "", Clock.systemUTC());

    private final Database db;
    private final String node;
    private final Clock wallClock;
    private volatile List<String> live;
    private volatile long readAt = Long.MIN_VALUE;

    /** @param node this node's name ({@code queue.node_id}); {@code wallClock}: heartbeats are in real time */
    public LiveNodes(Database db, String node, Clock wallClock) {
        this.db = db;
        this.node = node;
        this.wallClock = wallClock;
        this.live = List.of(node);
    }

    /** The live nodes by name, this one included. */
    public List<String> live() {
        long now = wallClock.millis();
        if (db != null && (readAt == Long.MIN_VALUE || now - readAt >= REFRESH.toMillis())) {
            readAt = now;
            try {
                live = read(now);
            } catch (SQLException | RuntimeException e) {
                log.warn("cannot read the node table, keeping the last list of live nodes {}: {}", live, e.toString());
            }
        }
        return live;
    }

    /** This node's part of {@code limit} (see the class comment). */
    public int share(int limit) {
        List<String> nodes = live();
        int n = nodes.size();
        int rank = nodes.indexOf(node);
        return limit / n + (rank < limit % n ? 1 : 0);
    }

    private List<String> read(long now) throws SQLException {
        List<String> nodes = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT id FROM node WHERE stopped_at IS NULL AND heartbeat_at >= ?")) {
            s.setLong(1, now - NodeHeartbeat.SILENT_AFTER.toMillis());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) nodes.add(r.getString(1));
            }
        }
        if (!nodes.contains(node)) nodes.add(node); // not registered yet, or its heartbeat late: it is alive, it is asking
        nodes.sort(null); // by Java's order, not the database's collation: every node ranks the same way
        return List.copyOf(nodes);
    }
}
