package dev.tempfail.queue;

import dev.tempfail.config.QueueConfig;
import dev.tempfail.testsupport.StoredBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.Tag("h2") // H2's recovery tool; the PostgreSQL run leaves it out
class QueueRecoveryTest {
    private static final byte[] CONTENT = "Subject: keep me\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir Path dir;

    @Test
    void recoverSalvagesTheRowsIntoAFreshFileKeepsTheDamagedOneAndSetsUnnamedBodiesAside() throws Exception {
        try (Database db = Database.open(QueueConfig.h2(dir, true, "node-a"), 4)) {
            QueueStore store = new QueueStore(db, new Wakeup());
            for (String id : List.of("A1", "B2", "C3")) {
                store.enqueue(new NewMessage(id, "a@example.org", List.of(new NewMessage.NewRecipient("x@example.com", null, null)),
                        db.bodies().put(id, CONTENT), Instant.EPOCH, null, null, null, false, "127.0.0.1", "h", false));
            }
        }
        Files.write(dir.resolve("spool/LOSTROW"), CONTENT); // a body whose row did not survive

        QueueRecovery.Result r = QueueRecovery.recover(dir);

        assertEquals(3, r.messages());
        assertEquals(3, r.recipients());
        assertEquals(1, r.unreferencedBodies());
        assertTrue(Files.exists(r.damagedFile()), "the damaged file is kept");
        assertTrue(Files.exists(dir.resolve("unreferenced/LOSTROW")), "set aside, not deleted");
        try (Database db = Database.open(QueueConfig.h2(dir, true, "node-a"), 4)) {
            assertEquals(3, new QueueReader(db, dev.tempfail.config.ConfigLoader.defaults().retry()).list(10).total());
            assertArrayEquals(CONTENT, StoredBodies.read(db, "B2"), "the spool files are kept");
        }
    }

    @Test
    void aQueueFileThatCannotBeOpenedIsOneLineThatSaysWhatToDo() throws Exception {
        Files.write(dir.resolve("tempfail.mv.db"), "this is not an H2 file at all".repeat(200).getBytes(StandardCharsets.US_ASCII));
        Database.QueueUnavailableException e = assertThrows(Database.QueueUnavailableException.class, () -> Database.open(QueueConfig.h2(dir, true, "node-a"), 2));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot open the queue database in " + dir.toAbsolutePath().normalize()), e.getMessage());
        assertTrue(e.getMessage().contains("tempfail queue recover"), e.getMessage());
    }
}
