package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Finished messages: a message whose recipients are all final (delivered, failed, expired or
 * deleted) leaves the active queue but stays readable, attempts and operator actions included,
 * for {@code queue.keep_finished}; its body is dropped at once unless {@code queue.keep_bodies}.
 * {@link #purge} then deletes old history in bounded batches, so that it never holds a long
 * transaction against intake and delivery.
 */
public final class History {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    /** Messages deleted per transaction by {@link #purge}. */
    static final int PURGE_BATCH = 500;

    private final Database db;

    public History(Database db) {
        this.db = db;
    }

    /**
     * Marks the message finished at {@code at} if none of its recipients is still to do, and
     * returns whether it did. Unless bodies are kept, the row then stops naming its body, whose
     * key goes to {@code dropped} for the caller to delete after the commit.
     */
    static boolean finishIfAllFinal(Connection c, long messageId, Instant at, boolean keepBodies, List<String> dropped)
            throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE message SET finished_at = ? WHERE id = ? AND finished_at IS NULL "
                + "AND NOT EXISTS (SELECT 1 FROM recipient WHERE message_id = ? AND state NOT IN " + RecipientState.FINAL_SQL + ")")) {
            u.setLong(1, at.toEpochMilli());
            u.setLong(2, messageId);
            u.setLong(3, messageId);
            if (u.executeUpdate() == 0) return false;
            if (keepBodies) return true;
        }
        String ref = null;
        try (PreparedStatement s = c.prepareStatement("SELECT body_ref FROM message WHERE id = ?")) {
            s.setLong(1, messageId);
            try (ResultSet r = s.executeQuery()) {
                if (r.next()) ref = r.getString(1);
            }
        }
        try (PreparedStatement u = c.prepareStatement("UPDATE message SET body_ref = NULL WHERE id = ?");
             PreparedStatement d = c.prepareStatement("DELETE FROM message_body WHERE message_id = ?")) {
            u.setLong(1, messageId);
            u.executeUpdate();
            d.setLong(1, messageId);
            d.executeUpdate();
        }
        if (ref != null) dropped.add(ref);
        return true;
    }

    /** Deletes bodies after the commit that no longer names them; one left behind (an error) goes at the next start. */
    static void deleteBodies(Database db, List<String> keys) {
        for (String key : keys) {
            try {
                db.bodies().delete(key);
            } catch (IOException e) {
                log.warn("cannot delete message body '{}' (the next start removes it): {}", key, e.toString());
            }
        }
    }

    /**
     * Deletes messages finished before {@code now - keep} (and their kept bodies),
     * {@link #PURGE_BATCH} per transaction, at most {@code maxBatches} transactions (the rest
     * waits for the next call). Returns how many.
     */
    public int purge(Instant now, Duration keep, int maxBatches) throws SQLException {
        long before = now.minus(keep).toEpochMilli();
        int total = 0;
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT id, body_ref FROM message WHERE finished_at < ? "
                     + "ORDER BY finished_at LIMIT " + PURGE_BATCH);
             PreparedStatement d = c.prepareStatement("DELETE FROM message WHERE id = ?")) {
            for (int i = 0; i < maxBatches; i++) {
                List<String> bodies = new ArrayList<>();
                int n = 0;
                s.setLong(1, before);
                c.setAutoCommit(false);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        d.setLong(1, r.getLong(1));
                        d.addBatch();
                        if (r.getString(2) != null) bodies.add(r.getString(2));
                        n++;
                    }
                }
                d.executeBatch();
                c.commit();
                deleteBodies(db, bodies);
                total += n;
                if (n < PURGE_BATCH) break;
            }
        }
        return total;
    }
}
