package dev.tempfail.intake;

import dev.tempfail.testsupport.TestQueues;
import dev.tempfail.queue.Database;
import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.StoredBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "250 means durable": a child JVM runs {@code tempfail serve}, several clients send mail
 * at once, and the child is killed with SIGKILL mid-load. Every message that got its 250
 * must be in the queue afterwards, byte for byte.
 */
class KillNineTest {
    private static final int CLIENTS = 8;
    private static final int ACKS_BEFORE_KILL = 300;

    @TempDir Path dir;

    @Test
    void everyAcknowledgedMessageSurvivesSigkill() throws Exception {
        Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger acks = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        // intake alone is under test here
        ChildRelay serve = ChildRelay.start(dir.resolve("queue"), dir.resolve("serve.log"),
                Map.of("TEMPFAIL_DELIVERY_ENABLED", "false"));
        try {
            for (int t = 0; t < CLIENTS; t++) {
                int client = t;
                Thread thread = new Thread(() -> sendUntilCut(serve.smtpPort(), client, acknowledged, acks), "client-" + t);
                thread.start();
                clients.add(thread);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acks.get() < ACKS_BEFORE_KILL && System.nanoTime() < deadline && serve.isAlive()) {
                Thread.onSpinWait();
            }
        } finally {
            serve.kill(); // SIGKILL: no shutdown hook, no clean close of H2
            for (Thread thread : clients) thread.join(30_000);
        }
        assertTrue(acknowledged.size() >= ACKS_BEFORE_KILL / 2,
                "load too small to mean anything: " + acknowledged.size() + " acks; serve log:\n" + serve.log());

        try (Database db = TestQueues.open(dir.resolve("queue"), 2)) {
            for (Map.Entry<String, byte[]> ack : acknowledged.entrySet()) {
                byte[] stored = StoredBodies.read(db, ack.getKey());
                assertNotNull(stored, "acknowledged message " + ack.getKey() + " was lost");
                byte[] sent = ack.getValue();
                String text = new String(stored, StandardCharsets.ISO_8859_1);
                int start = text.indexOf("Message-ID:");
                assertTrue(text.startsWith("Received: ") && start > 0, text);
                byte[] tail = java.util.Arrays.copyOfRange(stored, start, stored.length);
                assertArrayEquals(sent, tail, "bytes changed for " + ack.getKey());
            }
        }
    }

    private static void sendUntilCut(int port, int client, Map<String, byte[]> acknowledged, AtomicInteger acks) {
        int n = 0;
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            c.reply();
            c.command("EHLO client" + client + ".test");
            while (n < 5_000) { // bounded: the kill comes long before
                String content = "Message-ID: <c" + client + "-" + n + "@test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                        + "Subject: load " + client + "/" + n + "\r\n\r\n" + ("line " + n + " of client " + client + "\r\n").repeat(60);
                c.command("MAIL FROM:<c" + client + "@example.org>");
                c.command("RCPT TO:<r" + n + "@example.com>");
                c.command("DATA");
                c.send(content + ".\r\n");
                String reply = c.reply();
                if (reply.startsWith("250 ")) {
                    acknowledged.put(SmtpTestClient.queueId(reply), content.getBytes(StandardCharsets.UTF_8));
                    acks.incrementAndGet();
                }
                n++;
            }
        } catch (IOException expected) {
            // the server was killed under us
        }
    }
}
