package dev.tempfail.queue;

import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.TestQueues;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyStoreTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final byte[] CONTENT = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir Path dir;

    private static String enqueue(Database db, String queueId) throws Exception {
        new QueueStore(db, new Wakeup()).enqueue(new NewMessage(queueId, "a@example.org",
                List.of(new NewMessage.NewRecipient("x@example.com", null, null)), db.bodies().put(queueId, CONTENT), NOW,
                null, null, null, false, "127.0.0.1", "h", false));
        return queueId;
    }

    private static long messageId(Database db, String queueId) throws Exception {
        return Sql.number(db, "SELECT id FROM message WHERE queue_id = ?", queueId);
    }

    @Test
    @Tag("h2") // spool files; a PostgreSQL queue keeps bodies in the database (DatabaseBodiesTest)
    void aBodyIsAFileInTheSpoolNamedByItsRow() throws Exception {
        try (Database db = TestQueues.open(dir, 4)) {
            enqueue(db, "Q1");
            assertArrayEquals(CONTENT, Files.readAllBytes(dir.resolve("spool/Q1")));
            MessageForDelivery m = new DeliveryQueue(db, new Wakeup(), "node-a").content(messageId(db, "Q1"));
            assertEquals(CONTENT.length, m.size());
            try (InputStream in = m.open()) {
                assertArrayEquals(CONTENT, in.readAllBytes());
            }
        }
    }

    @Test
    @Tag("h2")
    void startUpRemovesBodiesNoRowNamesAndKeepsARowWhoseBodyIsMissing() throws Exception {
        try (Database db = TestQueues.open(dir, 4)) {
            enqueue(db, "KEPT");
            enqueue(db, "LOST");
        }
        Files.write(dir.resolve("spool/ORPHAN"), CONTENT); // a crash between the body and its commit
        Files.delete(dir.resolve("spool/LOST"));
        try (Database db = TestQueues.open(dir, 4)) {
            assertFalse(Files.exists(dir.resolve("spool/ORPHAN")), "the orphan is removed");
            assertArrayEquals(CONTENT, StoredBodies.read(db, "KEPT"));
            MessageForDelivery lost = new DeliveryQueue(db, new Wakeup(), "node-a").content(messageId(db, "LOST"));
            assertEquals("LOST", lost.queueId(), "a row whose body is missing stays in the queue");
            assertThrows(NoSuchFileException.class, lost::open);
        }
    }

    @Test
    void aBodyStoredInTheDatabaseBeforeV2IsStillRead() throws Exception {
        try (Database db = TestQueues.open(dir, 4)) {
            try (Connection c = db.connection()) {
                c.createStatement().execute("INSERT INTO message (queue_id, sender, size, received_at) VALUES ('OLD', '', "
                        + CONTENT.length + ", 0)");
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO message_body (message_id, content) SELECT id, ? FROM message WHERE queue_id = 'OLD'")) {
                    s.setBytes(1, CONTENT);
                    s.executeUpdate();
                }
            }
            MessageForDelivery m = new DeliveryQueue(db, new Wakeup(), "node-a").content(messageId(db, "OLD"));
            try (InputStream in = m.open()) {
                assertArrayEquals(CONTENT, in.readAllBytes());
            }
            assertTrue(db.bodies().keys().isEmpty());
        }
    }
}
