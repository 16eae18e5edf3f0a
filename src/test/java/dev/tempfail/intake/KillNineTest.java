package dev.tempfail.intake;

import dev.tempfail.queue.Database;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
        int smtpPort = freePort();
        Process serve = startServe(smtpPort, freePort());
        Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger acks = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        try {
            awaitListening(smtpPort, serve);
            for (int t = 0; t < CLIENTS; t++) {
                int client = t;
                Thread thread = new Thread(() -> sendUntilCut(smtpPort, client, acknowledged, acks), "client-" + t);
                thread.start();
                clients.add(thread);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acks.get() < ACKS_BEFORE_KILL && System.nanoTime() < deadline && serve.isAlive()) {
                Thread.onSpinWait();
            }
        } finally {
            serve.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no clean close of H2
            serve.waitFor(30, TimeUnit.SECONDS);
            for (Thread thread : clients) thread.join(30_000);
        }
        assertTrue(acknowledged.size() >= ACKS_BEFORE_KILL / 2,
                "load too small to mean anything: " + acknowledged.size() + " acks; serve log:\n" + log());

        try (Database db = Database.open(dir.resolve("queue"), 2);
             Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT b.content FROM message m "
                     + "JOIN message_body b ON b.message_id = m.id WHERE m.queue_id = ?")) {
            for (Map.Entry<String, byte[]> ack : acknowledged.entrySet()) {
                s.setString(1, ack.getKey());
                try (ResultSet r = s.executeQuery()) {
                    assertTrue(r.next(), "acknowledged message " + ack.getKey() + " was lost");
                    byte[] stored = r.getBytes(1);
                    byte[] sent = ack.getValue();
                    String text = new String(stored, StandardCharsets.ISO_8859_1);
                    int start = text.indexOf("Message-ID:");
                    assertTrue(text.startsWith("Received: ") && start > 0, text);
                    byte[] tail = java.util.Arrays.copyOfRange(stored, start, stored.length);
                    assertArrayEquals(sent, tail, "bytes changed for " + ack.getKey());
                }
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
                    acknowledged.put(reply.substring(reply.lastIndexOf(' ') + 1), content.getBytes(StandardCharsets.UTF_8));
                    acks.incrementAndGet();
                }
                n++;
            }
        } catch (IOException expected) {
            // the server was killed under us
        }
    }

    private Process startServe(int smtpPort, int adminPort) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.tempfail.Main", "serve");
        pb.environment().put("TEMPFAIL_SMTP_LISTEN", "127.0.0.1:" + smtpPort);
        pb.environment().put("TEMPFAIL_ADMIN_LISTEN", "127.0.0.1:" + adminPort);
        pb.environment().put("TEMPFAIL_QUEUE_DIR", dir.resolve("queue").toString());
        pb.environment().put("TEMPFAIL_DELIVERY_ENABLED", "false"); // intake alone is under test here
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile());
        return pb.start();
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("serve.log"));
    }

    private void awaitListening(int port, Process serve) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!serve.isAlive()) throw new AssertionError("serve exited: " + log());
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                serve.waitFor(100, TimeUnit.MILLISECONDS); // poll interval for start-up, not a wait for a retry
            }
        }
        throw new AssertionError("serve did not listen within 60 s: " + log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
