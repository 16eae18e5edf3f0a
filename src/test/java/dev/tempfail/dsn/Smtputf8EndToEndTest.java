package dev.tempfail.dsn;

import dev.tempfail.Relay;
import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.queue.QueueView;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SMTPUTF8 end to end (RFC 6531, 6533): a message with internationalised addresses and a UTF-8
 * header field goes in over SMTP and out to a next hop over loopback; delivered, byte for byte
 * and with SMTPUTF8 on MAIL, to one that offers the extension; failed with 5.6.7 and reported
 * in a global DSN by one that does not.
 */
class Smtputf8EndToEndTest {
    private static final String SENDER = "j\u00f6rg@b\u00fccher.example";
    private static final String RECIPIENT = "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a";
    private static final String CONTENT = "From: J\u00f6rg <" + SENDER + ">\r\nTo: <" + RECIPIENT + ">\r\n"
            + "Subject: Gr\u00fc\u00dfe aus M\u00fcnchen\r\nMessage-ID: <gruss-1@b\u00fccher.example>\r\n"
            + "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n"
            + "Sch\u00f6ne Gr\u00fc\u00dfe!\r\n";
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    @AutoClose private Relay relay;

    /** Mail for the recipient's domain goes to {@code recipients}, for the sender's (the reports) to {@code senders}. */
    private void start(FakeUpstream recipients, FakeUpstream senders) throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                "TEMPFAIL_DELIVERY_ROUTES", "{'\u4f8b\u5b50.\u5e7f\u544a': '127.0.0.1:" + recipients.port()
                        + "', 'b\u00fccher.example': '127.0.0.1:" + senders.port() + "'}")), clock, TestRelays.FAST);
    }

    private String send() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            c.greet("app.example");
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<" + SENDER + "> SMTPUTF8 BODY=8BITMIME"));
            assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<" + RECIPIENT + ">"));
            assertTrue(c.command("DATA").startsWith("354 "));
            c.send(CONTENT + ".\r\n");
            String reply = c.reply();
            assertTrue(reply.startsWith("250 "), reply);
            return SmtpTestClient.queueId(reply);
        }
    }

    @Test
    void aNextHopThatOffersSmtputf8GetsItOnMailAndTheBytesIntact() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder().smtpUtf8(true).eightBitMime(true).start();
             FakeUpstream senders = FakeUpstream.builder().smtpUtf8(true).eightBitMime(true).start()) {
            start(recipients, senders);
            String queueId = send();
            Await.until(LIMIT, "the delivery", () -> recipients.messages().size() == 1);
            ReceivedMessage m = recipients.messages().get(0);
            assertTrue(m.mailLine().endsWith(" SMTPUTF8"), m.mailLine());
            assertTrue(m.mailLine().contains(" BODY=8BITMIME"), m.mailLine());
            assertEquals(SENDER, m.sender());
            assertEquals(java.util.List.of(RECIPIENT), m.recipients());
            String received = new String(m.content(), StandardCharsets.UTF_8);
            assertTrue(received.endsWith(CONTENT), "the client's bytes, unchanged: " + received);
            Await.until(LIMIT, "delivered", () -> "delivered".equals(recipient(queueId).state()));
            assertEquals(0, senders.messages().size(), "no report");
        }
    }

    @Test
    void aNextHopWithoutSmtputf8IsNeverSentTheMessageAndTheSenderGetsAGlobalReport() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder().eightBitMime(true).start();
             FakeUpstream senders = FakeUpstream.builder().smtpUtf8(true).eightBitMime(true).start()) {
            start(recipients, senders);
            String queueId = send();
            Await.until(LIMIT, "the report", () -> senders.messages().size() == 1);

            assertTrue(recipients.commands("MAIL").isEmpty(), "not even MAIL FROM went to the host without SMTPUTF8");
            QueueView.Recipient r = recipient(queueId);
            assertEquals("failed", r.state());
            assertEquals("smtputf8", r.category());
            assertEquals(1, r.attempts(), "a permanent failure: no retry");

            ReceivedMessage report = senders.messages().get(0);
            assertEquals("", report.sender(), "from <>");
            assertEquals(java.util.List.of(SENDER), report.recipients(), "to the internationalised sender");
            assertTrue(report.mailLine().contains(" SMTPUTF8"), "the report needs SMTPUTF8 itself: " + report.mailLine());
            ParsedReport p = ParsedReport.of(report.content());
            assertTrue(p.message().getContentType().contains("report-type=global-delivery-status"), p.message().getContentType());
            assertEquals("message/global-delivery-status", p.part(1).getContentType().split(";")[0].trim().toLowerCase());
            assertEquals("message/global-headers", p.part(2).getContentType().split(";")[0].trim().toLowerCase());
            String status = new String(p.rawContent(1), StandardCharsets.UTF_8).replaceAll("\r\n(?=[ \t])", "");
            assertTrue(status.contains("Final-Recipient: utf-8; " + RECIPIENT + "\r\n"), status);
            assertTrue(status.contains("Status: 5.6.7\r\n"), status);
            assertTrue(status.contains("SMTPUTF8 is required, but was not offered by host"), status);
            assertTrue(p.flatText().contains("does not offer SMTPUTF8"), "the notice says why: " + p.flatText());
            assertTrue(new String(p.rawContent(2), StandardCharsets.UTF_8).contains("Subject: Gr\u00fc\u00dfe aus M\u00fcnchen"),
                    "the original's UTF-8 headers come back as they were");
        }
    }

    private QueueView.Recipient recipient(String queueId) throws Exception {
        return relay.reader().show(queueId).orElseThrow().recipients().get(0);
    }
}
