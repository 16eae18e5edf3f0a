package dev.tempfail.testsupport;

import dev.tempfail.queue.Database;

import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** Reads a queued message's body as the queue stores it, by queue id (null when no such message). */
public final class StoredBodies {
    private StoredBodies() {}

    public static byte[] read(Database db, String queueId) throws Exception {
        String ref;
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT body_ref FROM message WHERE queue_id = ?")) {
            s.setString(1, queueId);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) return null;
                ref = r.getString(1);
            }
        }
        try (InputStream in = db.bodies().open(ref)) {
            return in.readAllBytes();
        }
    }
}
