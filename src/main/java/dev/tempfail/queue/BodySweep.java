package dev.tempfail.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * At start-up, before anything writes: bodies no row names are removed (a crash between writing
 * a body and committing its row: that message was never acknowledged, or its row was dropped and
 * the body not yet deleted), and rows whose body is missing are reported loudly, one line each:
 * they stay in the queue (delivery defers them with "local error reading the message") until
 * the operator restores the body from a backup or removes the message.
 */
final class BodySweep {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");

    private BodySweep() {}

    static void run(DataSource db, BodyStore bodies) throws SQLException, IOException {
        Map<String, String> named = new HashMap<>(); // body key -> queue id
        try (Connection c = db.getConnection();
             ResultSet r = c.createStatement().executeQuery("SELECT body_ref, queue_id FROM message WHERE body_ref IS NOT NULL")) {
            while (r.next()) named.put(r.getString(1), r.getString(2));
        }
        List<String> keys = bodies.keys();
        int removed = 0;
        for (String key : keys) {
            if (!named.containsKey(key)) {
                bodies.delete(key);
                removed++;
            }
        }
        if (removed > 0) log.info("removed {} body file(s) that no message names (left by a stop between body and commit)", removed);
        Set<String> present = new HashSet<>(keys);
        for (Map.Entry<String, String> e : named.entrySet()) {
            if (!present.contains(e.getKey())) {
                log.error("{}: the message body '{}' is MISSING from the spool: the message cannot be delivered until the "
                        + "file is restored from a backup of queue.dir", e.getValue(), e.getKey());
            }
        }
    }
}
