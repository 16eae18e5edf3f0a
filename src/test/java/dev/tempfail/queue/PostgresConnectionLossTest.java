package dev.tempfail.queue;

import dev.tempfail.testsupport.PostgresDatabase;
import dev.tempfail.testsupport.PostgresServer;
import dev.tempfail.testsupport.StoredBodies;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The database drops every connection of the queue (a PostgreSQL restart, a fail-over, an
 * operator's pg_terminate_backend) while they sit in the pool: the next write finds its
 * connection dead before anything reached a commit, so it runs again on a fresh connection and
 * succeeds; nothing acknowledged is lost. (A connection lost during the commit itself is
 * reported to the caller: no 250, the client sends again.)
 */
@Tag("postgresql")
class PostgresConnectionLossTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final byte[] CONTENT = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir Path dir;

    @Test
    void afterTheServerDropsEveryConnectionTheNextWritesSucceedAndNoAcknowledgedOneIsLost() throws Exception {
        List<String> acknowledged = new ArrayList<>();
        int refused = 0;
        try (Database db = Database.open(pg.queue(dir), 4)) {
            QueueStore store = new QueueStore(db, new Wakeup());
            for (int i = 0; i < 20; i++) {
                if (i % 5 == 2) {
                    PostgresServer.execute(pg.url(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
                }
                String id = "LOSS" + i;
                try {
                    store.enqueue(new NewMessage(id, "a@example.org", List.of(new NewMessage.NewRecipient("x@example.com", null, null)),
                            db.bodies().put(id, CONTENT), NOW, null, null, null, false, "127.0.0.1", "h", false));
                    acknowledged.add(id);
                } catch (SQLException e) {
                    refused++; // a 451 for the client, which sends again
                }
            }
            // a write that finds its connection dead before the commit runs again on a fresh one
            assertEquals(0, refused, "writes refused");
            assertEquals(20, acknowledged.size());
            for (String id : acknowledged) assertArrayEquals(CONTENT, StoredBodies.read(db, id), id);
        }
    }
}
