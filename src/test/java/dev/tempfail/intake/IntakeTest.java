package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.queue.QueueView;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.StoredBodies;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SMTP listener against real sockets and a real H2 file. */
class IntakeTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir Path dir;
    @AutoClose private Relay relay;

    private Relay start(Map<String, String> overrides) throws Exception {
        relay = Relay.start(TestRelays.config(dir, overrides), Clock.fixed(NOW, ZoneOffset.UTC));
        return relay;
    }

    private int storedMessages() throws Exception {
        long rows = Sql.count(relay.database(), "SELECT (SELECT COUNT(*) FROM message) + (SELECT COUNT(*) FROM recipient)");
        return (int) rows + relay.database().bodies().keys().size();
    }

    private byte[] storedContent(String queueId) throws Exception {
        byte[] body = StoredBodies.read(relay.database(), queueId);
        assertNotNull(body, "no body stored for " + queueId);
        return body;
    }

    @Test
    void messageToThreeRecipientsIsStoredAndListed() throws Exception {
        start(Map.of());
        String reply = SmtpTestClient.sendMail(relay.smtpPort(), "sender@example.org",
                List.of("a@example.com", "b@example.net", "c@example.com"),
                "Subject: three\r\nMessage-ID: <m1@example.org>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nhello\r\n");
        assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as [0-9A-Z]+"), reply);
        String queueId = SmtpTestClient.queueId(reply);

        QueueView.Listing listing = relay.reader().list(100);
        assertEquals(1, listing.total());
        QueueView.Summary m = listing.messages().get(0);
        assertEquals(queueId, m.queueId());
        assertEquals("sender@example.org", m.sender());
        assertEquals(List.of("a@example.com", "b@example.net", "c@example.com"),
                m.recipients().stream().map(QueueView.Recipient::address).toList());
        assertTrue(m.recipients().stream().allMatch(r -> r.state().equals("queued") && r.nextAttemptAt().equals(NOW.toString())));
    }

    @Test
    void keepsBytesAddsReceivedAndOnlyMissingHeaders() throws Exception {
        start(Map.of());
        String original = "Subject: no id\r\nX-Odd:  spaced \t\r\n\r\n..leading dot\r\n8-bit: caf\u00e9\r\n";
        // "..leading dot" is the dot-stuffed form of ".leading dot"
        String queueId = SmtpTestClient.queueId(SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org",
                List.of("r@example.com"), original));
        String stored = new String(storedContent(queueId), StandardCharsets.UTF_8);
        assertTrue(stored.startsWith("Received: from client.test ([127.0.0.1])\r\n\tby tempfail.localhost (tempfail) with ESMTP id "
                + queueId + "\r\n\tfor <r@example.com>; Mon, 23 Nov 2026 10:00:00 +0000\r\n"), stored);
        String rest = stored.substring(stored.indexOf("Subject:"));
        assertEquals("Subject: no id\r\nX-Odd:  spaced \t\r\nMessage-ID: <" + queueId + "." + NOW.toEpochMilli()
                + "@tempfail.localhost>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n.leading dot\r\n8-bit: caf\u00e9\r\n", rest);
    }

    @Test
    void receivedHeaderOfAMessageToSeveralRecipientsNamesNone() throws Exception {
        start(Map.of());
        String queueId = SmtpTestClient.queueId(SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org",
                List.of("a@example.com", "b@example.com"), "Subject: two\r\n\r\nx\r\n"));
        byte[] stored = storedContent(queueId);
        assertTrue(new String(stored, StandardCharsets.UTF_8).startsWith("Received: from client.test ([127.0.0.1])\r\n"
                + "\tby tempfail.localhost (tempfail) with ESMTP id " + queueId + "; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                + "Subject: two\r\n"));
        assertEquals("two", dev.tempfail.message.HeaderSection.value(stored, "Subject"), "the header section is intact");
    }

    @Test
    void nullSenderIsAccepted() throws Exception {
        start(Map.of());
        assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "", List.of("r@example.com"), "Subject: bounce\r\n\r\nx\r\n")
                .startsWith("250 2.0.0"));
        assertEquals("", relay.reader().list(10).messages().get(0).sender());
    }

    @Test
    void relayIsDeniedToClientsOutsideNetworks() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_NETWORKS", "[127.0.0.1/32]"));
        try (SmtpTestClient c = SmtpTestClient.connect("127.0.0.2", relay.smtpPort())) {
            c.greet("outsider.test");
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org>"));
            assertEquals("554 5.7.1 <r@example.com>: Relay access denied", c.command("RCPT TO:<r@example.com>"));
            assertEquals("554 5.5.1 Error: no valid recipients", c.command("DATA"));
        }
        try (SmtpTestClient c = SmtpTestClient.connect("127.0.0.1", relay.smtpPort())) {
            c.greet("insider.test");
            c.command("MAIL FROM:<s@example.org>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<r@example.com>"));
        }
        assertEquals(0, storedMessages());
    }

    @Test
    void sizeIsAdvertisedAndEnforcedBeforeAndAfterData() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", "2K"));
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            String ehlo = c.greet();
            assertTrue(ehlo.contains("250-SIZE 2048"), ehlo);
            assertTrue(ehlo.contains("ENHANCEDSTATUSCODES") && ehlo.contains("PIPELINING") && ehlo.contains("8BITMIME"), ehlo);
            assertTrue(c.command("MAIL FROM:<s@example.org> SIZE=4096").startsWith("552 5.3.4 "));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org> SIZE=1000"));
            c.command("RCPT TO:<r@example.com>");
            assertTrue(c.command("DATA").startsWith("354"));
            c.send("Subject: big\r\n\r\n" + "x".repeat(70) + "\r\n".repeat(1) + ("y".repeat(76) + "\r\n").repeat(40) + ".\r\n");
            assertTrue(c.reply().startsWith("552 5.3.4 "));
            // the session is still usable: a small message goes through
            assertTrue(c.transaction("s@example.org", List.of("r@example.com"), "Subject: small\r\n\r\nok\r\n")
                    .startsWith("250 2.0.0 Ok: queued as "));
        }
        assertEquals(1, relay.reader().list(10).total());
    }

    @Test
    void mailIsRefusedWhileTakingItWouldEatIntoMinFree() throws Exception {
        long usable = java.nio.file.Files.getFileStore(dir).getUsableSpace();
        start(Map.of("TEMPFAIL_SMTP_MAX_MESSAGE_SIZE", "2000M",
                "TEMPFAIL_QUEUE_MIN_FREE", String.valueOf(Math.max(0, usable - (1L << 30)))));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("452 4.3.1 Insufficient system storage", c.command("MAIL FROM:<s@example.org> SIZE=" + (1800L << 20)),
                    "a SIZE= that would not leave queue.min_free");
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org> SIZE=1000"), "a small one still fits");
        }
        relay.close();
        start(Map.of("TEMPFAIL_QUEUE_MIN_FREE", "100000000G"));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertEquals("452 4.3.1 Insufficient system storage", c.command("MAIL FROM:<s@example.org>"));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"), "the session goes on");
        }
        assertEquals(0, storedMessages());
    }

    @Test
    void tooManyRecipientsGets452() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_MAX_RECIPIENTS", "2"));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            c.command("MAIL FROM:<s@example.org>");
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<a@example.com>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<b@example.com>"));
            assertEquals("452 4.5.3 Error: too many recipients", c.command("RCPT TO:<c@example.com>"));
            c.command("DATA");
            c.send("Subject: two\r\n\r\nx\r\n.\r\n");
            assertTrue(c.reply().startsWith("250 "));
        }
        assertEquals(2, relay.reader().list(10).messages().get(0).recipients().size());
    }

    @Test
    void bareLfSmugglingIsRejectedAndNothingIsStored() throws Exception {
        start(Map.of());
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            c.startData("s@example.org", List.of("r@example.com"));
            // <LF>.<CR><LF> then a smuggled transaction, then the real end of data
            c.send("Subject: outer\r\n\r\nhello\n.\r\nMAIL FROM:<admin@example.org>\r\nRCPT TO:<victim@example.com>\r\n"
                    + "DATA\r\nSubject: smuggled\r\n\r\nboo\r\n.\r\n");
            String reply = c.reply();
            assertTrue(reply.startsWith("550 5.5.2 "), reply);
            assertEquals("250 2.0.0 Ok", c.command("NOOP"), "the session stays in step: no leftover replies");
        }
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            c.startData("s@example.org", List.of("r@example.com"));
            c.send("Subject: lf\r\n\r\nhello\n.\n"); // <LF>.<LF> is no end either
            c.send("more\r\n.\r\n");
            assertTrue(c.reply().startsWith("550 5.5.2 "));
            assertTrue(c.transaction("s@example.org", List.of("r@example.com"), "Subject: cr\r\n\r\nbare\rcr\r\n")
                    .startsWith("550 5.5.2 "));
        }
        assertEquals(0, storedMessages());
    }

    @Test
    void disconnectMidDataStoresNothing() throws Exception {
        start(Map.of());
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            c.startData("s@example.org", List.of("r@example.com"));
            c.send("Subject: cut\r\n\r\nhalf a mess");
        }
        // a second, complete transaction proves the first was fully processed (and discarded) by now
        assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org",
                List.of("r@example.com"), "Subject: whole\r\n\r\nx\r\n")
                .startsWith("250"));
        QueueView.Listing listing = relay.reader().list(10);
        assertEquals(1, listing.total());
        assertTrue(new String(storedContent(listing.messages().get(0).queueId()), StandardCharsets.UTF_8).contains("Subject: whole"));
    }

    @Test
    void badCommandsAndAddressesGetStandardReplies() throws Exception {
        start(Map.of());
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            assertTrue(c.reply().startsWith("220 tempfail.localhost ESMTP"));
            assertEquals("503 5.5.1 Error: need MAIL command", c.command("RCPT TO:<r@example.com>"));
            assertEquals("500 5.5.2 Error: command not recognized", c.command("FROB"));
            assertEquals("502 5.5.1 Error: command not implemented", c.command("EXPN staff"));
            assertTrue(c.command("MAIL FROM:<not an address>").startsWith("501 5.1.7 "));
            assertTrue(c.command("MAIL TO:<s@example.org>").startsWith("501 5.5.4 "));
            assertTrue(c.command("MAIL FROM:<s@example.org> FROB=1").startsWith("555 5.5.4 "));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org>"));
            assertEquals("503 5.5.1 Error: nested MAIL command", c.command("MAIL FROM:<s@example.org>"));
            assertTrue(c.command("RCPT TO:<no-domain>").startsWith("501 5.1.3 "));
            assertTrue(c.command("RCPT TO:<a b@example.com>").startsWith("501 5.1.3 "));
            assertTrue(c.command("RCPT TO:<r@exa_mple.com>").startsWith("501 5.1.3 "));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<\"a b\"@example.com>"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<r@[127.0.0.1]>"));
            assertEquals("250 2.0.0 Ok", c.command("RSET"));
            assertTrue(c.command("EHLO " + "h".repeat(256)).startsWith("501 5.5.4 "), "a name the queue could not keep");
            assertTrue(c.command("HELO " + "h".repeat(256)).startsWith("501 5.5.4 "));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<s@example.org>"));
            assertTrue(c.command("RCPT TO:<r@example.com> ORCPT=rfc822;" + "o".repeat(494)).startsWith("501 5.5.4 "),
                    "ORCPT over RFC 3461's 500 characters");
            assertTrue(c.command("RCPT TO:<" + "l".repeat(65) + "@example.com>").startsWith("501 5.1.3 "));
            assertTrue(c.command("MAIL FROM:<s@example.org> ENVID=" + "e".repeat(101)).startsWith("5"));
            assertEquals("250 2.0.0 Ok", c.command("RSET"));
            assertEquals("500 5.5.2 Error: line too long", c.command("NOOP " + "x".repeat(1200)));
            assertTrue(c.isClosedByServer());
        }
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            c.reply();
            c.send("NOOP\nMAIL FROM:<s@example.org>\r\n"); // a bare LF inside a command line
            assertTrue(c.reply().startsWith("500 5.5.2 Error: bare <CR> or <LF>"));
            assertTrue(c.isClosedByServer());
        }
        assertEquals(0, storedMessages());
    }

    @Test
    void theLongestValuesTheListenerAcceptsAreStored() throws Exception {
        start(Map.of());
        String longest = "l".repeat(64) + "@" + ("d".repeat(63) + ".").repeat(3) + "d".repeat(61);
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            c.reply();
            assertTrue(c.command("EHLO " + "h".repeat(255)).startsWith("250-"));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<" + longest + "> ENVID=" + "e".repeat(100)));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<" + longest + "> ORCPT=rfc822;" + "o".repeat(493)));
            c.command("DATA");
            c.send("Subject: long\r\n\r\nhi\r\n.\r\n");
            String reply = c.reply();
            assertTrue(reply.startsWith("250 2.0.0 Ok: queued as "), reply);
        }
        assertEquals(2 + 1, storedMessages(), "message, recipient and body");
    }

    @Test
    void pipelinedTransactionsAreAnsweredInOrder() throws Exception {
        start(Map.of());
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<bad>\r\nDATA\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("501 5.1.3"));
            assertTrue(c.reply().startsWith("354"));
            c.send("Subject: p\r\n\r\nx\r\n.\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as"));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("354"));
            c.send("Subject: q\r\n\r\ny\r\n.\r\nQUIT\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0"));
            assertEquals("221 2.0.0 Bye", c.reply());
        }
        assertEquals(2, relay.reader().list(10).total());
    }
}
