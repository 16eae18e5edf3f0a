package dev.tempfail.queue;

import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.TestQueues;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueueStoreTest {
    @TempDir Path dir;

    @Test
    void enqueueStoresMessageBytesAndRecipientsDueNow() throws Exception {
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        byte[] content = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Database db = TestQueues.open(dir, 4)) {
            String id = QueueIds.next(Clock.fixed(now, ZoneOffset.UTC));
            new QueueStore(db, new Wakeup()).enqueue(new NewMessage(id, "a@example.org", List.of(
                    new NewMessage.NewRecipient("x@Example.COM", null, null),
                    new NewMessage.NewRecipient("y@example.net", "rfc822;y@example.net", "SUCCESS")),
                    db.bodies().put(id, content), now, null, null, null, false, "127.0.0.1", "client.test", false));
            assertTrue(id.matches("[0-9A-Z]{10,20}"), id);
            try (Connection c = db.connection();
                 ResultSet r = c.createStatement().executeQuery(
                         "SELECT m.queue_id, m.size, r.domain, r.state, r.next_attempt_at FROM message m "
                                 + "JOIN recipient r ON r.message_id = m.id ORDER BY r.id")) {
                assertTrue(r.next());
                assertEquals(id, r.getString(1));
                assertEquals(content.length, r.getLong(2));
                assertArrayEquals(content, StoredBodies.read(db, id));
                assertEquals("example.com", r.getString(3));
                assertEquals("queued", r.getString(4));
                assertEquals(now.toEpochMilli(), r.getLong(5));
                assertTrue(r.next());
                assertEquals("example.net", r.getString(3));
            }
        }
    }

    @Test
    void concurrentMessagesShareCommitsAndAFailingOneFailsAlone() throws Exception {
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        byte[] content = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Database db = TestQueues.open(dir, 8)) {
            QueueStore store = new QueueStore(db, new Wakeup());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                // every 50th message reuses a queue id: the unique constraint makes its insert fail
                String id = i % 50 == 49 ? "DUPLICATE" : "ID" + i;
                String body = "B" + i;
                results.add(pool.submit(() -> {
                    try {
                        store.enqueue(new NewMessage(id, "a@example.org", List.of(new NewMessage.NewRecipient("x@example.com", null, null)),
                                db.bodies().put(body, content), now, null, null, null, false, "127.0.0.1", "h", false));
                        return "ok";
                    } catch (java.sql.SQLException e) {
                        return "failed";
                    }
                }));
            }
            int ok = 0;
            for (var r : results) if (r.get().equals("ok")) ok++;
            pool.shutdown();
            assertEquals(197, ok, "all but the three duplicates after the first are stored");
            assertEquals(197, Sql.count(db, "SELECT COUNT(*) FROM message"),
                    "a failed insert left nothing behind, and took no other message with it");
        }
    }
}
