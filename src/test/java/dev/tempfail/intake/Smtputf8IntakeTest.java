package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SMTPUTF8 (RFC 6531) on the way in: offered on every listener, UTF-8 addresses and headers taken and kept intact. */
class Smtputf8IntakeTest {
    private static final String SENDER = "j\u00f6rg@b\u00fccher.example";
    private static final String RECIPIENT = "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a";

    @TempDir Path dir;
    @AutoClose private Relay relay;

    @BeforeEach
    void start() throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of(
                "TEMPFAIL_SMTP_TLS_LISTEN", "127.0.0.1:0",
                "TEMPFAIL_SUBMISSION_LISTEN", "127.0.0.1:0")), Clock.systemUTC());
    }

    @Test
    void everyListenerOffersSmtputf8() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            c.reply();
            assertTrue(c.command("EHLO client.test").lines().anyMatch(l -> l.substring(4).equals("SMTPUTF8")), "relay");
            assertTrue(c.upgrade().lines().anyMatch(l -> l.substring(4).equals("SMTPUTF8")), "relay after STARTTLS");
        }
        try (SmtpTestClient c = SmtpTestClient.connectTls(relay.smtpsPort())) {
            c.reply();
            assertTrue(c.command("EHLO client.test").lines().anyMatch(l -> l.substring(4).equals("SMTPUTF8")), "smtps");
        }
        try (SmtpTestClient c = SmtpTestClient.connect(relay.submissionPort())) {
            c.reply();
            assertTrue(c.command("EHLO client.test").lines().anyMatch(l -> l.substring(4).equals("SMTPUTF8")), "submission");
        }
    }

    @Test
    void utf8AddressesAndHeadersAreTakenWithSmtputf8AndKeptByteForByte() throws Exception {
        String content = "From: J\u00f6rg <" + SENDER + ">\r\nTo: <" + RECIPIENT + ">\r\nSubject: Gr\u00fc\u00dfe\r\n"
                + "Message-ID: <1@b\u00fccher.example>\r\nDate: Tue, 1 Dec 2026 13:00:00 +0000\r\n\r\nHallo\r\n";
        String reply;
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<" + SENDER + "> SMTPUTF8"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<" + RECIPIENT + ">"));
            assertTrue(c.command("DATA").startsWith("354 "));
            c.send(content + ".\r\n");
            reply = c.reply();
        }
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
        String queueId = SmtpTestClient.queueId(reply);
        String stored = new String(StoredBodies.read(relay.database(), queueId), StandardCharsets.UTF_8);
        assertTrue(stored.contains(" with UTF8SMTP id " + queueId), "RFC 6531 §4.3 protocol in Received: " + stored);
        assertTrue(stored.contains("\tfor <" + RECIPIENT + ">;"), stored);
        assertTrue(stored.contains(content), "the client's bytes unchanged: " + stored);
        assertEquals(SENDER, relay.reader().list(10).messages().get(0).sender());
        assertEquals(RECIPIENT, relay.reader().list(10).messages().get(0).recipients().get(0).address());
        assertTrue(storedFlag(queueId), "the message is marked as needing SMTPUTF8");
        assertTrue(relay.reader().show(queueId).orElseThrow().smtputf8(), "and queue show says so");
    }

    @Test
    void aUtf8AddressWithoutSmtputf8IsRefusedWith553() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("553 5.6.7 Must declare SMTPUTF8 to send unicode address", c.command("MAIL FROM:<" + SENDER + ">"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<ascii@example.org>"));
            assertEquals("553 5.6.7 Must declare SMTPUTF8 to send unicode address", c.command("RCPT TO:<" + RECIPIENT + ">"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<ascii@example.com>"), "the transaction goes on");
        }
    }

    @Test
    void badUtf8AddressesAndParametersGetClearReplies() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("501 5.5.4 Bad SMTPUTF8 parameter: it takes no value", c.command("MAIL FROM:<a@example.org> SMTPUTF8=yes"));
            String bad = c.command("MAIL FROM:<j\u00f6rg@b\u00fccher..example> SMTPUTF8");
            assertTrue(bad.startsWith("501 5.1.7 Bad sender address syntax: "), bad);
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@example.org> SMTPUTF8"));
            String badDomain = c.command("RCPT TO:<user@\u4f8b\u5b50_.example>");
            assertTrue(badDomain.startsWith("501 5.1.3 Bad recipient address syntax: "), badDomain);
        }
    }

    @Test
    void smtputf8ForAnAllAsciiMessageNeedsNothingFromTheNextHop() throws Exception {
        String reply;
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@example.org> SMTPUTF8"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<b@example.com>"));
            c.command("DATA");
            c.send("Subject: plain\r\n\r\nx\r\n.\r\n");
            reply = c.reply();
        }
        assertTrue(!storedFlag(SmtpTestClient.queueId(reply)));
    }

    private boolean storedFlag(String queueId) throws Exception {
        List<Object> r = Sql.row(relay.database(), "SELECT smtputf8 FROM message WHERE queue_id = ?", queueId);
        assertTrue(r != null);
        return (Boolean) r.get(0);
    }
}
