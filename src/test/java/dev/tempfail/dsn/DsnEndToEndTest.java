package dev.tempfail.dsn;

import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.Relay;
import dev.tempfail.queue.QueueView;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.Sql;
import dev.tempfail.testsupport.TestRelays;
import jakarta.mail.internet.InternetHeaders;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery status notifications end to end: a message goes in over SMTP with RFC 3461
 * parameters, the recipients' upstream answers, and the reports arrive over SMTP, from
 * {@code <>}, at the upstream that receives the sender's domain.
 */
class DsnEndToEndTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(T0);
    @AutoClose private Relay relay;

    private void start(FakeUpstream recipients, FakeUpstream senders) throws Exception {
        relay = Relay.start(TestRelays.config(dir, Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + recipients.port() + "', example.org: '127.0.0.1:"
                        + senders.port() + "'}")), clock, TestRelays.FAST);
    }

    /** Sends one message with the given MAIL parameters and RCPT lines; returns the queue id. */
    private String send(String from, String mailParams, List<String> rcptLines) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            c.reply();
            assertTrue(c.command("EHLO app.example.org").lines().anyMatch(l -> l.substring(4).equals("DSN")), "DSN is advertised");
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<" + from + ">" + mailParams));
            for (String rcpt : rcptLines) assertEquals("250 2.1.5 Ok", c.command("RCPT TO:" + rcpt));
            c.command("DATA");
            c.send("Message-ID: <order-42@example.org>\r\nSubject: your order\r\n\r\nthanks\r\n.\r\n");
            String reply = c.reply();
            assertTrue(reply.startsWith("250 "), reply);
            return SmtpTestClient.queueId(reply);
        }
    }

    private static ParsedReport report(ReceivedMessage r) throws Exception {
        assertEquals("", r.sender(), "reports come from the null sender");
        return ParsedReport.of(r.content());
    }

    private static String field(InternetHeaders h, String name) {
        return ParsedReport.field(h, name);
    }

    @Test
    void failuresTogetherMakeOneReportAndSuccessIsReportedAsRelayed() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder()
                .rcptReply("bad1@example.com", "550 5.1.1 <bad1@example.com>: user does not exist")
                .rcptReply("bad2@example.com", "550 5.1.1 <bad2@example.com>: user does not exist")
                .rcptReply("never@example.com", "550 5.1.1 <never@example.com>: user does not exist").start();
             FakeUpstream senders = FakeUpstream.builder().start()) {
            start(recipients, senders);
            String queueId = send("app@example.org", " RET=HDRS ENVID=order+2D42", List.of(
                    "<bad1@example.com> NOTIFY=FAILURE ORCPT=rfc822;Bad1+40example.com",
                    "<ok@example.com> NOTIFY=SUCCESS,FAILURE",
                    "<bad2@example.com>",
                    "<never@example.com> NOTIFY=NEVER"));
            Await.until(LIMIT, "two reports", () -> senders.messages().size() == 2);

            ParsedReport failed = null;
            ParsedReport relayed = null;
            for (ReceivedMessage r : senders.messages()) {
                assertEquals(List.of("app@example.org"), r.recipients());
                ParsedReport p = report(r);
                if (p.header("Subject").equals("Undelivered Mail Returned to Sender")) failed = p;
                else relayed = p;
            }
            assertEquals("order-42", field(failed.perMessage(), "Original-Envelope-Id"));
            assertEquals("dns; tempfail.localhost", field(failed.perMessage(), "Reporting-MTA"));
            assertEquals("<order-42@example.org>", failed.header("In-Reply-To"));
            assertEquals(2, failed.perRecipient().size(), "bad1 and bad2 together; never@ asked for nothing");
            InternetHeaders bad1 = failed.perRecipient().get(0);
            assertEquals("rfc822;Bad1@example.com", field(bad1, "Original-Recipient"));
            assertEquals("rfc822; bad1@example.com", field(bad1, "Final-Recipient"));
            assertEquals("failed", field(bad1, "Action"));
            assertEquals("5.1.1", field(bad1, "Status"));
            assertEquals("dns; 127.0.0.1", field(bad1, "Remote-MTA"));
            assertEquals("smtp; 550 5.1.1 <bad1@example.com>: user does not exist", field(bad1, "Diagnostic-Code"));
            assertNull(field(failed.perRecipient().get(1), "Original-Recipient"));
            assertEquals("text/rfc822-headers", failed.part(2).getContentType().split(";")[0].trim().toLowerCase());

            assertEquals("Successful Mail Delivery Report", relayed.header("Subject"));
            assertEquals(1, relayed.perRecipient().size());
            assertEquals("relayed", field(relayed.perRecipient().get(0), "Action"));
            assertEquals("rfc822; ok@example.com", field(relayed.perRecipient().get(0), "Final-Recipient"));
            assertNotNull(relay.reader().show(queueId).orElseThrow().finishedAt(), "the message is done");
        }
    }

    @Test
    void aNextHopThatOffersDsnGetsTheParametersAndReportsItself() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder().dsn(true).start();
             FakeUpstream senders = FakeUpstream.builder().start()) {
            start(recipients, senders);
            send("app@example.org", " RET=FULL ENVID=abc", List.of("<ok@example.com> NOTIFY=SUCCESS ORCPT=rfc822;ok@example.com"));
            Await.until(LIMIT, "delivered", () -> recipients.messages().size() == 1);
            ReceivedMessage r = recipients.messages().get(0);
            assertTrue(r.mailLine().contains("RET=FULL") && r.mailLine().contains("ENVID=abc"), r.mailLine());
            assertTrue(r.rcptLines().get(0).contains("NOTIFY=SUCCESS") && r.rcptLines().get(0).contains("ORCPT=rfc822;ok@example.com"),
                    r.rcptLines().toString());
            // a failing message behind it proves the relay has moved on; still no success report came
            send("app@example.org", "", List.of("<ok@example.com>"));
            Await.until(LIMIT, "second delivered", () -> recipients.messages().size() == 2);
            assertEquals(0, senders.messages().size(), "the next hop reports success, not us");
        }
    }

    @Test
    void aMailboxOverQuotaGetsOneDelayWarningAndThenAnExpiryReport() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder()
                .rcptReply("q@example.com", "452 4.2.2 The email account that you tried to reach is over quota").start();
             FakeUpstream senders = FakeUpstream.builder().start()) {
            start(recipients, senders);
            send("app@example.org", " RET=FULL", List.of("<q@example.com>"));
            Await.until(LIMIT, "the first try", () -> attemptsOf("q@example.com") >= 1);
            int attempts = 0;
            while (attempts < 40) {
                Long next = nextAttempt("q@example.com");
                if (next == null) break;
                clock.set(Instant.ofEpochMilli(next));
                relay.wakeScheduler();
                attempts++;
                int tries = attempts;
                Await.until(LIMIT, "try " + tries, () -> attemptsOf("q@example.com") >= tries + 1 || state("q@example.com") == null);
            }
            Await.until(LIMIT, "two reports", () -> senders.messages().size() == 2);
            ParsedReport delayed = report(senders.messages().get(0));
            ParsedReport expired = report(senders.messages().get(1));

            assertEquals("Delayed Mail (still being retried)", delayed.header("Subject"));
            InternetHeaders d = delayed.perRecipient().get(0);
            assertEquals("delayed", field(d, "Action"));
            assertEquals("4.2.2", field(d, "Status"));
            assertEquals("Thu, 26 Nov 2026 10:00:00 +0000", field(d, "Will-Retry-Until"));
            assertEquals("Mon, 23 Nov 2026 14:00:00 +0000", field(d, "Last-Attempt-Date"), "at the 4 h delay warning");

            assertEquals("Undelivered Mail Returned to Sender", expired.header("Subject"));
            InternetHeaders e = expired.perRecipient().get(0);
            assertEquals("failed", field(e, "Action"));
            assertEquals("4.4.7", field(e, "Status"));
            assertEquals("smtp; 452 4.2.2 The email account that you tried to reach is over quota", field(e, "Diagnostic-Code"));
            assertEquals("Thu, 26 Nov 2026 10:00:00 +0000", field(e, "Last-Attempt-Date"), "the last try at the lifetime");
            assertEquals("message/rfc822", expired.part(2).getContentType().split(";")[0].trim().toLowerCase(), "RET=FULL");
        }
    }

    @Test
    void aFailingMessageFromTheNullSenderGetsNoReport() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder()
                .rcptReply("bad@example.com", "550 5.1.1 <bad@example.com>: user does not exist").start();
             FakeUpstream senders = FakeUpstream.builder().start()) {
            start(recipients, senders);
            String bounce = send("", "", List.of("<bad@example.com>"));
            Await.until(LIMIT, "tried", () -> relay.reader().show(bounce).orElseThrow().finishedAt() != null);
            // an ordinary failure afterwards does produce a report: by then the first would have been sent too
            send("app@example.org", "", List.of("<bad@example.com>"));
            Await.until(LIMIT, "one report", () -> senders.messages().size() == 1);
            assertEquals("Undelivered Mail Returned to Sender", report(senders.messages().get(0)).header("Subject"));
            assertEquals(1, senders.messages().size(), "no report about the message from <>");
        }
    }

    @Test
    void aReportThatBouncesIsADoubleBounceCopiedToThePostmaster() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder()
                .rcptReply("bad@example.com", "550 5.1.1 <bad@example.com>: user does not exist").start();
             FakeUpstream senders = FakeUpstream.builder()
                     .rcptReply("gone@example.org", "550 5.1.1 <gone@example.org>: no such user").start();
             FakeUpstream postmaster = FakeUpstream.builder().start()) {
            relay = Relay.start(TestRelays.config(dir, Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                    "TEMPFAIL_DSN_DOUBLE_BOUNCE_TO", "postmaster@admin.example",
                    "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + recipients.port() + "', example.org: '127.0.0.1:"
                            + senders.port() + "', admin.example: '127.0.0.1:" + postmaster.port() + "'}")), clock, TestRelays.FAST);
            send("gone@example.org", "", List.of("<bad@example.com>"));
            // the failure report to gone@example.org fails in its turn: a double bounce, copied to the postmaster
            Await.until(LIMIT, "the double bounce reached the postmaster", () -> postmaster.messages().size() == 1);
            ReceivedMessage copy = postmaster.messages().get(0);
            assertEquals("", copy.sender(), "from <>");
            assertEquals(List.of("postmaster@admin.example"), copy.recipients());
            ParsedReport r = report(copy);
            assertEquals("failed", field(r.perRecipient().get(0), "Action"));
            assertEquals("rfc822; gone@example.org", field(r.perRecipient().get(0), "Final-Recipient"));
            assertEquals(1, senders.commands("RCPT").size(), "the report was tried once, never reported to <>");
        }
    }

    @Test
    void malformedDsnParametersAreRefusedAndGoodOnesStored() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder().start(); FakeUpstream senders = FakeUpstream.builder().start()) {
            relay = Relay.start(TestRelays.config(dir, Map.of()), clock, TestRelays.FAST); // delivery off: look at what is stored
            try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
                c.greet("app.example.org");
                assertTrue(c.command("MAIL FROM:<a@example.org> RET=MOST").startsWith("501 5.5.4 "));
                assertTrue(c.command("MAIL FROM:<a@example.org> ENVID=bad=value").startsWith("501 5.5.4 "));
                assertTrue(c.command("MAIL FROM:<a@example.org> ENVID=x+4").startsWith("501 5.5.4 "));
                assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@example.org> RET=hdrs ENVID=id+2B1"));
                assertTrue(c.command("RCPT TO:<r@example.com> NOTIFY=NEVER,SUCCESS").startsWith("501 5.5.4 "));
                assertTrue(c.command("RCPT TO:<r@example.com> NOTIFY=SOMETIMES").startsWith("501 5.5.4 "));
                assertTrue(c.command("RCPT TO:<r@example.com> ORCPT=r@example.com").startsWith("501 5.5.4 "));
                assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<r@example.com> NOTIFY=delay,failure ORCPT=rfc822;r+40example.com"));
                c.command("DATA");
                c.send("Subject: x\r\n\r\nx\r\n.\r\n");
                String reply = c.reply();
                QueueView.Message m = relay.reader().show(SmtpTestClient.queueId(reply)).orElseThrow();
                assertEquals("id+1", m.envid());
                assertEquals("HDRS", m.ret());
                assertEquals("DELAY,FAILURE", m.recipients().get(0).notifyOn());
                assertEquals("rfc822;r@example.com", m.recipients().get(0).orcpt());
                assertEquals(1, m.recipients().size(), "the refused RCPTs stored nothing");
            }
        }
    }

    /**
     * A greeting that asks for 30 days: the destination is paused no longer than
     * retry.max_pause (4h), and that pause neither delays the sender's delay warning nor keeps
     * any recipient past its lifetime, whether it is tried at the pause's end or held by it.
     */
    @Test
    void aThirtyDayPauseIsCappedAndRecipientsStillExpireOnTime() throws Exception {
        try (FakeUpstream recipients = FakeUpstream.builder().greeting("421 4.7.0 try again in 30 days").start();
             FakeUpstream senders = FakeUpstream.builder().start()) {
            start(recipients, senders);
            send("app@example.org", "", List.of("<a@example.com>", "<b@example.com>"));
            Await.until(LIMIT, "the first try", () -> attemptsOf("a@example.com") >= 1 && attemptsOf("b@example.com") >= 1);
            assertEquals(T0.plus(Duration.ofHours(4)), pausedUntil("127.0.0.1:" + recipients.port()), "capped at retry.max_pause");

            clock.set(T0.plus(Duration.ofHours(1)));
            send("app@example.org", "", List.of("<late@example.com>"));   // arrives while the destination is paused
            Instant arrivedLate = clock.instant();
            Await.until(LIMIT, "held back", () -> {
                Long due = dueAt("late@example.com");
                return due != null && due > arrivedLate.toEpochMilli();
            });
            assertEquals(0, attemptsOf("late@example.com"), "not tried while paused");
            assertEquals(T0.plus(Duration.ofHours(4)).toEpochMilli(), dueAt("late@example.com"), "back when the pause ends");

            for (int steps = 0; steps < 200 && !(state("a@example.com") == null && state("late@example.com") == null); steps++) {
                Long next = earliestDue();
                if (next == null) break;
                clock.set(Instant.ofEpochMilli(Math.max(next, clock.instant().toEpochMilli())));
                relay.wakeScheduler();
                Await.until(LIMIT, "the queue moved past " + Instant.ofEpochMilli(next), () -> {
                    Long now = earliestDue();
                    return !anyDelivering() && (now == null || now > next);
                });
            }
            Await.until(LIMIT, "the reports", () -> senders.messages().size() == 4);
            List<ParsedReport> reports = new java.util.ArrayList<>();
            for (ReceivedMessage r : senders.messages()) reports.add(report(r));
            ParsedReport firstDelay = reports.get(0);
            assertEquals("delayed", field(firstDelay.perRecipient().get(0), "Action"));
            assertEquals("Mon, 23 Nov 2026 14:00:00 +0000", field(firstDelay.perRecipient().get(0), "Last-Attempt-Date"),
                    "the delay warning at 4h");
            assertEquals(2, firstDelay.perRecipient().size(), "both recipients of the first message");
            ParsedReport lateDelay = reports.get(1);
            assertEquals("delayed", field(lateDelay.perRecipient().get(0), "Action"));
            assertEquals("Mon, 23 Nov 2026 15:00:00 +0000", field(lateDelay.perRecipient().get(0), "Last-Attempt-Date"),
                    "4h after its own arrival, while the destination was paused");
            ParsedReport expired = reports.get(2);
            assertEquals("failed", field(expired.perRecipient().get(0), "Action"));
            assertEquals("4.4.7", field(expired.perRecipient().get(0), "Status"));
            assertEquals("Thu, 26 Nov 2026 10:00:00 +0000", field(expired.perRecipient().get(0), "Last-Attempt-Date"),
                    "exactly at the 72h lifetime");
            // tried at 72h, or held untried if the other message's try just paused the destination again
            assertTrue(field(expired.perRecipient().get(0), "Diagnostic-Code").endsWith("4.7.0 try again in 30 days"),
                    field(expired.perRecipient().get(0), "Diagnostic-Code"));
            ParsedReport lateExpired = reports.get(3);
            assertEquals("4.4.7", field(lateExpired.perRecipient().get(0), "Status"));
            assertEquals("Thu, 26 Nov 2026 11:00:00 +0000", field(lateExpired.perRecipient().get(0), "Last-Attempt-Date"),
                    "its own lifetime, paused or not");
            assertTrue(recipients.connections() <= 2 * 19, "two messages, one try each per 4h pause at most: "
                    + recipients.connections());
        }
    }

    private Instant pausedUntil(String destination) throws Exception {
        Long at = Sql.number(relay.database(), "SELECT suspended_until FROM destination WHERE name = ?", destination);
        return at == null ? null : Instant.ofEpochMilli(at);
    }

    private Long dueAt(String address) throws Exception {
        return Sql.number(relay.database(), "SELECT next_attempt_at FROM recipient WHERE address = ?", address);
    }

    private Long earliestDue() throws Exception {
        return Sql.number(relay.database(), "SELECT MIN(next_attempt_at) FROM recipient WHERE state IN ('queued', 'deferred')");
    }

    private boolean anyDelivering() throws Exception {
        return Sql.count(relay.database(), "SELECT COUNT(*) FROM recipient WHERE state = 'delivering'") > 0;
    }

    private String state(String address) throws Exception {
        return (String) Sql.value(relay.database(), "SELECT state FROM recipient WHERE address = ?", address);
    }

    private Long nextAttempt(String address) throws Exception {
        return Sql.number(relay.database(), "SELECT next_attempt_at FROM recipient WHERE address = ? AND state = 'deferred'",
                address);
    }

    private int attemptsOf(String address) throws Exception {
        Long attempts = Sql.number(relay.database(), "SELECT attempts FROM recipient WHERE address = ?", address);
        return attempts == null ? Integer.MAX_VALUE : attempts.intValue();
    }
}
