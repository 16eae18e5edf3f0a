package dev.tempfail.queue;

import dev.tempfail.testsupport.PostgresDatabase;
import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bodies in a PostgreSQL queue: stored in chunks by one node, read back whole by another,
 * streamed (no chunk larger than {@link DatabaseBodies#CHUNK}), and swept at start-up without
 * touching a body another node may still be writing.
 */
@Tag("postgresql")
class DatabaseBodiesTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir Path dir;

    private static void enqueue(Database db, String queueId, byte[] content) throws Exception {
        BodyStore.Stored body;
        try (BodyStore.Draft d = db.bodies().create(queueId)) {
            for (int off = 0; off < content.length; off += 1000) d.write(content, off, Math.min(1000, content.length - off));
            body = d.seal();
        }
        new QueueStore(db, new Wakeup()).enqueue(new NewMessage(queueId, "a@example.org",
                List.of(new NewMessage.NewRecipient("x@example.com", null, null)), body, NOW,
                null, null, null, false, "127.0.0.1", "h", false));
    }

    private static long chunks(Database db, String key, int maxBytes) throws Exception {
        return Sql.count(db, "SELECT COUNT(*) FROM body_chunk WHERE body_key = ? AND octet_length(data) <= ?", key, maxBytes);
    }

    @Test
    void aBodyOneNodeTookInIsReadByAnotherInChunks() throws Exception {
        byte[] big = new byte[5 * DatabaseBodies.CHUNK / 2 + 17];
        new Random(7).nextBytes(big);
        try (Database a = Database.open(pg.queue(dir.resolve("a"), "node-a"), 4);
             Database b = Database.open(pg.queue(dir.resolve("b"), "node-b"), 4)) {
            assertTrue(a.bodies() instanceof DatabaseBodies, "a PostgreSQL queue keeps bodies in the database");
            enqueue(a, "BIG1", big);
            enqueue(a, "EMPTY1", new byte[0]);
            assertEquals(3, chunks(a, "BIG1", DatabaseBodies.CHUNK), "three chunks, none over 64 KB");
            assertArrayEquals(big, StoredBodies.read(b, "BIG1"), "node b reads what node a took in");
            assertArrayEquals(new byte[0], StoredBodies.read(b, "EMPTY1"));
            try (InputStream in = b.bodies().open("BIG1")) {
                byte[] one = new byte[100];
                assertEquals(100, in.readNBytes(one, 0, 100));
                assertArrayEquals(java.util.Arrays.copyOf(big, 100), one);
            }
            assertThrows(NoSuchFileException.class, () -> b.bodies().open("NOSUCH"));
            assertFalse(java.nio.file.Files.exists(dir.resolve("a/spool/BIG1")), "no spool file on PostgreSQL");
        }
    }

    @Test
    void startUpSweepsOnlyWhatNoLiveSessionCanStillBeWriting() throws Exception {
        byte[] x = "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Database a = Database.open(pg.queue(dir.resolve("a"), "node-a"), 4);
             Database b = Database.open(pg.queue(dir.resolve("b"), "node-b"), 4)) {
            enqueue(a, "NAMED1", x);
            try (BodyStore.Draft d = a.bodies().create("AORPHAN1")) { // a crash between body and commit: sealed, never named
                d.write(x);
                d.seal();
            }
            b.bodies().put("BWRITING1", x); // node b's session, its message not committed yet
            b.bodies().put("BOLD1", x);
            try (Connection c = b.connection(); PreparedStatement s = c.prepareStatement(
                    "UPDATE body_chunk SET written_at = ? WHERE body_key = 'BOLD1'")) {
                s.setLong(1, System.currentTimeMillis() - DatabaseBodies.IN_PROGRESS.toMillis() - 60_000);
                s.executeUpdate();
            }
        }
        try (Database a = Database.open(pg.queue(dir.resolve("a"), "node-a"), 4)) { // node a restarts
            List<String> keys = a.bodies().keys();
            assertTrue(keys.contains("NAMED1"), "a named body stays: " + keys);
            assertFalse(keys.contains("AORPHAN1"), "node a's own orphan goes: " + keys);
            assertTrue(keys.contains("BWRITING1"), "node b's body being written stays: " + keys);
            assertFalse(keys.contains("BOLD1"), "an orphan older than any session goes, whoever wrote it: " + keys);
        }
    }
}
