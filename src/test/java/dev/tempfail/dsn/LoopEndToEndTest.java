package dev.tempfail.dsn;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import jakarta.mail.internet.InternetHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mail loops, end to end over sockets: a message that has passed too many hops, and a next hop
 * that turns out to be this relay, each bounce with 5.4.6 and a report to the sender.
 */
class LoopEndToEndTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir Path dir;
    private final List<Relay> relays = new ArrayList<>();

    @AfterEach
    void stop() {
        relays.forEach(Relay::close);
    }

    private Relay start(String name, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("TEMPFAIL_DELIVERY_ENABLED", "true");
        all.put("TEMPFAIL_SMTP_HOSTNAME", name);
        Relay r = Relay.start(TestRelays.config(dir.resolve(name), all), Clock.systemUTC(), TestRelays.FAST);
        relays.add(r);
        return r;
    }

    private static void send(Relay relay, String subject) throws Exception {
        String reply = SmtpTestClient.sendMail(relay.smtpPort(), "app@example.org",
                List.of("user@example.com"), "Subject: " + subject + "\r\n\r\nhi\r\n");
        assertTrue(reply.startsWith("250 "), reply);
    }

    private static InternetHeaders onlyReport(FakeUpstream senders) throws Exception {
        Await.until(LIMIT, "a report to the sender", () -> senders.messages().size() == 1);
        ParsedReport report = ParsedReport.of(senders.messages().get(0).content());
        assertEquals("Undelivered Mail Returned to Sender", report.header("Subject"));
        assertTrue(report.flatText().contains("mail loop"), report.text());
        assertEquals(1, report.perRecipient().size());
        InternetHeaders r = report.perRecipient().get(0);
        assertEquals("failed", ParsedReport.field(r, "Action"));
        assertEquals("5.4.6", ParsedReport.field(r, "Status"));
        return r;
    }

    /**
     * Two relays whose routes point at each other: each pass adds a Received: header, until one
     * refuses the message with 554 5.4.6 and the other bounces it.
     */
    @Test
    void mailGoingRoundBetweenTwoRelaysIsRefusedAfterMaxHops() throws Exception {
        try (FakeUpstream senders = FakeUpstream.builder().start()) {
            String toSenders = "example.org: '127.0.0.1:" + senders.port() + "'";
            int portA = freePort();
            int portB = freePort();
            Relay a = start("a.test", Map.of("TEMPFAIL_SMTP_MAX_HOPS", "5", "TEMPFAIL_SMTP_LISTEN", "127.0.0.1:" + portA,
                    "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + portB + "', " + toSenders + "}"));
            start("b.test", Map.of("TEMPFAIL_SMTP_MAX_HOPS", "5", "TEMPFAIL_SMTP_LISTEN", "127.0.0.1:" + portB,
                    "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + portA + "', " + toSenders + "}"));
            send(a, "round and round");

            InternetHeaders r = onlyReport(senders);
            String diagnostic = ParsedReport.field(r, "Diagnostic-Code");
            assertTrue(diagnostic.startsWith("smtp; 554 5.4.6 Too many hops (6 Received: headers, limit 5)"), diagnostic);
            assertEquals("dns; 127.0.0.1", ParsedReport.field(r, "Remote-MTA"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aNextHopThatGreetsWithOurOwnNameBouncesAsLoopingBackToMyself() throws Exception {
        try (FakeUpstream senders = FakeUpstream.builder().start();
             FakeUpstream self = FakeUpstream.builder().greetingName("relay.test").start()) {
            Relay relay = start("relay.test", Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + self.port()
                    + "', example.org: '127.0.0.1:" + senders.port() + "'}"));
            send(relay, "to myself");

            InternetHeaders r = onlyReport(senders);
            String diagnostic = ParsedReport.field(r, "Diagnostic-Code");
            assertTrue(diagnostic.contains("5.4.6 mail for example.com loops back to myself"), diagnostic);
            assertEquals(0, self.messages().size(), "nothing was sent to it");
        }
    }
}
