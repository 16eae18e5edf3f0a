package dev.tempfail.lab;

import dev.tempfail.config.HostPort;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake receiving MTA over real loopback sockets, its time-based rules on a clock the test moves. */
class LabReceiverTest {
    private static final Instant T0 = Instant.parse("2026-01-05T10:30:00Z");
    private final MutableClock clock = new MutableClock(T0);
    @AutoClose private LabReceiver receiver;

    private LabReceiver start(LabScript script) {
        receiver = LabReceiver.start(new HostPort("127.0.0.1", 0), script, clock);
        return receiver;
    }

    private SmtpTestClient connect() throws Exception {
        return SmtpTestClient.connect(receiver.port());
    }

    @Test
    void greylistsThenAcceptsAndKeepsTheMessageAndTheLog() throws Exception {
        start(LabScript.preset("greylist"));
        try (SmtpTestClient c = connect()) {
            assertEquals("220 lab.receiver ESMTP tempfail lab receiver", c.reply());
            assertTrue(c.command("EHLO relay.test").contains("250 ENHANCEDSTATUSCODES"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<app@sender.example> SIZE=100"));
            String refused = c.command("RCPT TO:<user1@lab.example>");
            assertTrue(refused.startsWith("451 4.7.1 <user1@lab.example>: Recipient address rejected: Greylisted"), refused);
            assertEquals("554 5.5.1 Error: no valid recipients", c.command("DATA"));
        }
        clock.advance(Duration.ofMinutes(5));
        byte[] content = "Subject: hi\r\n\r\n..dot-stuffed line\r\nend\r\n".getBytes(StandardCharsets.US_ASCII);
        try (SmtpTestClient c = connect()) {
            assertEquals("250 2.0.0 Ok: queued as 1", c.sendMail("app@sender.example", List.of("user1@lab.example"),
                    new String(content, StandardCharsets.US_ASCII)));
        }
        List<ReceivedMessage> got = receiver.messages();
        assertEquals(1, got.size());
        assertEquals("app@sender.example", got.get(0).sender());
        assertEquals(List.of("user1@lab.example"), got.get(0).recipients());
        assertArrayEquals("Subject: hi\r\n\r\n.dot-stuffed line\r\nend\r\n".getBytes(StandardCharsets.US_ASCII), got.get(0).content(),
                "the bytes as sent, dot-unstuffed");
        assertEquals(T0.plus(Duration.ofMinutes(5)), got.get(0).at(), "timed on the lab clock");
        String log = receiver.log().text();
        assertTrue(log.contains("[1] > RCPT TO:<user1@lab.example>"), log);
        assertTrue(log.contains("[1] < 451 4.7.1 <user1@lab.example>"), log);
        assertTrue(log.contains("[2] * message of 39 bytes"), log);
        assertTrue(log.contains("[2] < 250 2.0.0 Ok: queued as 1"), log);
        assertTrue(log.contains(T0 + " [1] * connection from 127.0.0.1"), log);
    }

    @Test
    void refusesAtConnectWithTheScriptedGreeting() throws Exception {
        start(LabScript.preset("icloud-reputation"));
        try (SmtpTestClient c = connect()) {
            assertEquals("452 try later", c.reply());
            assertTrue(c.isClosedByServer());
        }
        assertTrue(receiver.log().text().contains("[1] < 452 try later"));
    }

    @Test
    void a421ClosesTheConnectionAndTheNextTryIsAccepted() throws Exception {
        start(LabScript.preset("icloud-volume"));
        try (SmtpTestClient c = connect()) {
            c.reply();
            c.command("EHLO relay.test");
            c.command("MAIL FROM:<app@sender.example>");
            assertTrue(c.command("RCPT TO:<v@lab.example>").startsWith("421 4.7.1 Messages to v@lab.example deferred due to excessive volume"));
            assertTrue(c.isClosedByServer());
        }
        try (SmtpTestClient c = connect()) {
            assertTrue(c.sendMail("app@sender.example", List.of("v@lab.example"), "Subject: x\r\n\r\nx\r\n").startsWith("250 "));
        }
    }

    @Test
    void capsConcurrentConnections() throws Exception {
        start(LabScript.parse("t", "t", "rules: [{connect: {max_connections: 1}}]"));
        try (SmtpTestClient first = connect()) {
            assertTrue(first.reply().startsWith("220 ")); // greeted first, so the second is the one too many
            try (SmtpTestClient second = connect()) {
                assertEquals("421 4.7.0 Too many concurrent connections, try again later", second.reply());
            }
            // the refused session's end must not free the first one's place
            try (SmtpTestClient third = connect()) {
                assertEquals("421 4.7.0 Too many concurrent connections, try again later", third.reply());
            }
        }
    }

    @Test
    void refusesAfterTheContentAndStoresNothing() throws Exception {
        start(LabScript.preset("dmarc-reject"));
        try (SmtpTestClient c = connect()) {
            String reply = c.sendMail("app@sender.example", List.of("d@lab.example"), "Subject: x\r\n\r\nx\r\n");
            assertEquals("550 5.7.1 Your message was rejected due to sender.example DMARC policy.", reply);
        }
        assertEquals(List.of(), receiver.messages());
    }

    @Test
    void aScriptedDelayIsRealTimeAndMultiLineRepliesGoOutWhole() throws Exception {
        start(LabScript.parse("t", "t", "rules: [{mail: {delay: 200ms, reply: \"451-4.3.0 first\\n451 4.3.0 second\"}}]"));
        try (SmtpTestClient c = connect()) {
            c.reply();
            c.command("EHLO relay.test");
            long t = System.nanoTime();
            assertEquals("451-4.3.0 first\n451 4.3.0 second", c.command("MAIL FROM:<a@sender.example>"));
            assertTrue(System.nanoTime() - t >= 190_000_000L, "waited 200 ms before answering");
        }
    }
}
