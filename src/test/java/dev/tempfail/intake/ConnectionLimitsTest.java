package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every connection hears 220 or 421, under the total and the per-client limits, and in a burst. */
class ConnectionLimitsTest {
    @TempDir Path dir;
    @AutoClose private Relay relay;

    @Test
    void oneAddressGetsAtMostItsShareAndQuitFreesItsPlaceAtOnce() throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of("TEMPFAIL_SMTP_MAX_CONNECTIONS_PER_CLIENT", "3")), Clock.systemUTC());
        List<SmtpTestClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                SmtpTestClient c = SmtpTestClient.connect("127.0.0.1", relay.smtpPort());
                held.add(c);
                assertTrue(c.reply().startsWith("220 "));
            }
            try (SmtpTestClient fourth = SmtpTestClient.connect("127.0.0.1", relay.smtpPort())) {
                String reply = fourth.reply();
                assertTrue(reply.startsWith("421 4.7.0 Too many connections"), reply);
                assertTrue(fourth.isClosedByServer());
            }
            try (SmtpTestClient other = SmtpTestClient.connect("127.0.0.2", relay.smtpPort())) {
                assertTrue(other.reply().startsWith("220 "), "another address has its own share");
            }
            assertTrue(held.get(0).command("QUIT").startsWith("221 "));
            try (SmtpTestClient again = SmtpTestClient.connect("127.0.0.1", relay.smtpPort())) {
                assertTrue(again.reply().startsWith("220 "), "the place freed by QUIT is free at once");
            }
        } finally {
            for (SmtpTestClient c : held) c.close();
        }
    }

    /**
     * 300 connections at once, from 20 addresses (15 each, under the per-client limit), against
     * the default limit of 200: each hears 220 or 421 within 10 s, exactly 200 get 220; a
     * client arriving while they are held gets 421; once they leave, a client is served.
     */
    @Test
    void aBurstOf300GetsAnAnswerForEveryConnection() throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of()), Clock.systemUTC());
        int port = relay.smtpPort();
        List<Socket> burst = new ArrayList<>();
        try {
            // all 300 handshakes started before the first completes (non-blocking connects): a real burst
            List<SocketChannel> opening = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                SocketChannel ch = SocketChannel.open();
                ch.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + (1 + i % 20)), 0));
                ch.configureBlocking(false);
                ch.connect(new InetSocketAddress("127.0.0.1", port));
                opening.add(ch);
            }
            for (SocketChannel ch : opening) {
                ch.configureBlocking(true);
                ch.finishConnect();
                burst.add(ch.socket());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int greeted = 0;
            int refused = 0;
            List<String> silent = new ArrayList<>();
            for (Socket s : burst) {
                String first = firstLine(s, deadline);
                if (first.startsWith("220 ")) greeted++;
                else if (first.startsWith("421 4.7.0 ")) refused++;
                else silent.add(s.getLocalSocketAddress() + ": " + first);
            }
            assertEquals(0, silent.size(), "every connection hears 220 or 421 within 10 s; not: "
                    + silent.subList(0, Math.min(5, silent.size())) + (silent.size() > 5 ? " …" : ""));
            assertEquals(200, greeted, "smtp.max_connections sessions");
            assertEquals(100, refused);

            try (SmtpTestClient late = SmtpTestClient.connect("127.0.0.99", port)) {
                assertTrue(late.reply().startsWith("421 4.7.0 "), "the limit holds during the burst");
            }
            for (Socket s : burst) {
                if (!s.isClosed()) {
                    s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                }
            }
            for (Socket s : burst) firstLine(s, System.nanoTime() + TimeUnit.SECONDS.toNanos(10)); // 221 or EOF
        } finally {
            for (Socket s : burst) s.close();
        }
        String reply = SmtpTestClient.sendMail("127.0.0.99", port,
                "a@example.org", List.of("b@example.com"), "Subject: after the burst\r\n\r\nhi\r\n");
        assertTrue(reply.startsWith("250 "), reply);
    }

    /** The next line the server sent, "EOF" if it closed, "silence" if nothing came by the deadline. */
    private static String firstLine(Socket s, long deadlineNanos) throws IOException {
        StringBuilder line = new StringBuilder();
        InputStream in = s.getInputStream();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (left <= 0) return "silence";
            s.setSoTimeout((int) left);
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                return "silence";
            } catch (IOException e) {
                return line.length() > 0 ? line.toString() : "reset: " + e.getMessage();
            }
            if (b < 0) return line.length() > 0 ? line.toString() : "EOF";
            if (b == '\n') return line.toString().strip();
            line.append((char) b);
        }
    }
}
