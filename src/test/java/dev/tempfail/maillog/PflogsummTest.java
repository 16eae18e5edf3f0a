package dev.tempfail.maillog;

import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The log of a real run ({@code serve} in a child JVM, {@code log.file} set) read by Debian's
 * pflogsumm, the report Postfix operators use: it must count what happened. Three messages come
 * in (one delivered, one deferred, one bounced, whose failure report is delivered too) and one
 * recipient is refused as relay access denied.
 */
class PflogsummTest {
    private static final Path PFLOGSUMM = Path.of("/usr/sbin/pflogsumm");

    @TempDir Path dir;

    @Test
    void pflogsummCountsWhatTheRelayDid() throws Exception {
        assumeTrue(Files.isExecutable(PFLOGSUMM), "pflogsumm is not installed (apt-get install pflogsumm): test skipped");
        Path log = dir.resolve("mail.log");
        try (FakeUpstream upstream = FakeUpstream.builder()
                .rcptReply("later@example.com", "450 4.2.0 Greylisted, try again later")
                .rcptReply("bad@example.com", "550 5.1.1 No such user").start();
             ChildRelay relay = ChildRelay.start(dir.resolve("queue"), dir.resolve("serve.out"), Map.of(
                     "TEMPFAIL_LOG_FILE", log.toString(),
                     "TEMPFAIL_SMTP_NETWORKS", "127.0.0.1/32",
                     "TEMPFAIL_DELIVERY_ROUTES", "{example.com: \"127.0.0.1:" + upstream.port() + "\"}"))) {
            for (String to : List.of("ok@example.com", "later@example.com", "bad@example.com")) {
                try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
                    String reply = c.sendMail("sender@example.com", List.of(to),
                            "Subject: to " + to + "\r\n\r\nhello\r\n");
                    assertTrue(reply.startsWith("250 "), reply);
                }
            }
            try (SmtpTestClient c = SmtpTestClient.connect("127.0.0.2", relay.smtpPort())) {
                c.greet("outside.test");
                c.command("MAIL FROM:<someone@outside.test>");
                String reply = c.command("RCPT TO:<victim@elsewhere.test>");
                assertTrue(reply.startsWith("554 5.7.1"), reply);
            }
            // the failure report to the sender is delivered too: then every line is written
            Await.until(Duration.ofSeconds(60), "deliveries and the failure report in " + log,
                    () -> Files.exists(log) && count(Files.readString(log), "status=sent") == 2
                            && Files.readString(log).contains("status=deferred")
                            && Files.readString(log).contains("status=bounced"));
        }
        String text = Files.readString(log);
        assertTrue(text.contains("NOQUEUE: reject: RCPT from "), text);
        assertTrue(text.contains(": removed"), text);

        Process p = new ProcessBuilder(PFLOGSUMM.toString(), "--syslog-name=tempfail", log.toString())
                .redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), report);
        String totals = "pflogsumm report:\n" + report + "\nlog:\n" + text;
        assertEquals(3, total(report, "received"), totals);
        assertEquals(2, total(report, "delivered"), totals); // the message to ok@ and the failure report
        assertEquals(1, total(report, "deferred"), totals);
        assertEquals(1, total(report, "bounced"), totals);
        assertEquals(1, total(report, "rejected"), totals);
    }

    /** A figure from pflogsumm's "Grand Totals": {@code       3   received}. */
    private static int total(String report, String what) {
        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\s+" + what + "\\b").matcher(report);
        assertTrue(m.find(), "no '" + what + "' in the pflogsumm report:\n" + report);
        return Integer.parseInt(m.group(1));
    }

    private static int count(String text, String needle) {
        return text.split(Pattern.quote(needle), -1).length - 1;
    }
}
