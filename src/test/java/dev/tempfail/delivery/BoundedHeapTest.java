package dev.tempfail.delivery;

import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.RawServer;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bodies go through buffers, never whole through the heap: a relay in a child JVM with
 * {@code -Xmx256m} takes 20 messages of 30 MB at once and delivers each byte for byte. Neither
 * side holds a message either: the content is generated as it is sent, and the receiver keeps
 * only a digest of what it read.
 */
class BoundedHeapTest {
    private static final int MESSAGES = 20;
    private static final long SIZE = 30L << 20;
    private static final int LINE = 78; // 76 characters and CRLF

    @TempDir Path dir;

    /** Message {@code n}: headers, then {@code SIZE} bytes of lines, every 500th starting with a dot. */
    private static final class Generated {
        private final String header;
        private final SplittableRandom random;
        private long lines;
        private final byte[] line = new byte[LINE];

        Generated(int n) {
            header = "Message-ID: <big-" + n + "@bounded.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                    + "Subject: 30 MB number " + n + "\r\n\r\n";
            random = new SplittableRandom(n);
        }

        String id() {
            return header.substring("Message-ID: ".length(), header.indexOf("\r\n"));
        }

        /** The next line of content, unstuffed; null at the end. */
        byte[] next() {
            if (lines++ * LINE >= SIZE) return null;
            for (int i = 0; i < LINE - 2; i++) line[i] = (byte) ('A' + random.nextInt(26));
            if (lines % 500 == 0) line[0] = '.';
            line[LINE - 2] = '\r';
            line[LINE - 1] = '\n';
            return line;
        }
    }

    /** Sends message n over its own connection, dot-stuffed as SMTP wants; returns its digest (unstuffed). */
    private static String send(int port, int n, Map<String, String> replies) throws Exception {
        Generated g = new Generated(n);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        try (SmtpTestClient c = SmtpTestClient.connect(port).readTimeout(Duration.ofMinutes(5))) {
            c.greet("sender" + n + ".test");
            c.command("MAIL FROM:<app@sender.test> SIZE=" + (SIZE + 200));
            c.command("RCPT TO:<big" + n + "@receiver.test>");
            String go = c.command("DATA");
            if (!go.startsWith("354")) throw new AssertionError("DATA: " + go);
            byte[] head = g.header.getBytes(StandardCharsets.US_ASCII);
            sent.update(head);
            java.io.ByteArrayOutputStream chunk = new java.io.ByteArrayOutputStream(64 * 1024);
            chunk.write(head);
            for (byte[] l; (l = g.next()) != null; ) {
                sent.update(l);
                if (l[0] == '.') chunk.write('.');
                chunk.write(l);
                if (chunk.size() >= 60 * 1024) {
                    c.sendBytes(chunk.toByteArray());
                    chunk.reset();
                }
            }
            chunk.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            c.sendBytes(chunk.toByteArray());
            replies.put(g.id(), c.reply());
        }
        return HexFormat.of().formatHex(sent.digest());
    }

    /** A next hop that digests what it receives from the Message-ID field on (our Received field comes before it). */
    private static RawServer digestingReceiver(Map<String, String> received) throws IOException {
        return RawServer.start(c -> {
            c.send("220 receiver.test ESMTP");
            for (String line; (line = c.readLine()) != null; ) {
                String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase();
                switch (verb) {
                    case "EHLO", "HELO" -> c.send("250 receiver.test");
                    case "MAIL", "RCPT", "RSET", "NOOP" -> c.send("250 2.0.0 Ok");
                    case "QUIT" -> {
                        c.send("221 2.0.0 Bye");
                        return;
                    }
                    case "DATA" -> {
                        c.send("354 go on");
                        MessageDigest d = digest();
                        String id = null;
                        for (String l; (l = c.readLine()) != null && !l.equals("."); ) {
                            if (l.startsWith(".")) l = l.substring(1);
                            if (id == null && l.startsWith("Message-ID: ")) id = l.substring("Message-ID: ".length());
                            if (id != null) d.update((l + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        received.put(String.valueOf(id), HexFormat.of().formatHex(d.digest()));
                        c.send("250 2.0.0 Ok: received");
                    }
                    default -> c.send("502 5.5.1 what?");
                }
            }
        });
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twentyConcurrent30MbMessagesUnder256MbOfHeapAreAcceptedAndDeliveredByteForByte() throws Exception {
        Map<String, String> received = new ConcurrentHashMap<>();
        Map<String, String> replies = new ConcurrentHashMap<>();
        ExecutorService senders = Executors.newFixedThreadPool(MESSAGES);
        try (RawServer next = digestingReceiver(received);
             ChildRelay relay = ChildRelay.start(dir.resolve("queue"), dir.resolve("serve.log"), Map.of(
                     "TEMPFAIL_DELIVERY_SMARTHOST", "127.0.0.1:" + next.port(),
                     "TEMPFAIL_QUEUE_FSYNC", "false", // about the heap, not the disk: spare the shared disk 600 MB of syncs
                     // 20 sessions at once is exactly the default per-client limit, with no room for one
                     // that is still closing; ConnectionLimitsTest covers that limit, this test the heap.
                     "TEMPFAIL_SMTP_MAX_CONNECTIONS_PER_CLIENT", "0"),
                     List.of("-Xmx256m"))) {
            List<Future<String>> sent = new java.util.ArrayList<>();
            for (int n = 0; n < MESSAGES; n++) {
                int k = n;
                sent.add(senders.submit(() -> send(relay.smtpPort(), k, replies)));
            }
            Map<String, String> digests = new java.util.HashMap<>();
            for (int n = 0; n < MESSAGES; n++) digests.put(new Generated(n).id(), sent.get(n).get(10, TimeUnit.MINUTES));
            for (Map.Entry<String, String> r : replies.entrySet()) {
                assertTrue(r.getValue().startsWith("250 2.0.0 Ok: queued as "), r.getKey() + ": " + r.getValue());
            }
            assertEquals(MESSAGES, replies.size());
            Await.until(Duration.ofMinutes(10), "all 20 delivered", () -> received.size() >= MESSAGES || !relay.isAlive());
            assertTrue(relay.isAlive(), "the relay died (out of memory?):\n" + tail(relay.log()));
            assertEquals(digests, received, "every message arrived, byte for byte");
            assertFalse(relay.log().contains("OutOfMemoryError"), tail(relay.log()));
            assertEquals(List.of(), next.errors());
        } finally {
            senders.shutdownNow();
        }
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }
}
