package dev.tempfail.maillog;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two layouts of one mail log event: the syslog line Postfix tools read, and the JSON object. */
class MailLogTest {
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Logger smtp;

    @BeforeEach
    void attach() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        events.setContext(ctx);
        events.start();
        smtp = ctx.getLogger("tempfail/smtp");
        smtp.addAppender(events);
    }

    @AfterEach
    void detach() {
        smtp.detachAppender(events);
    }

    @Test
    void aDeferralAsSyslogLineAndAsJson() throws Exception {
        Instant received = Instant.parse("2026-12-01T09:00:00Z");
        MailLog.Try t = new MailLog.Try("3ABCDEF", "r@example.com", "mx.example.com[192.0.2.1]:25",
                new MailLog.Delays(Duration.ofMillis(1500), Duration.ofMillis(120), Duration.ofMillis(380)), 2,
                "4.2.0", 450, "4.2.0 Greylisted", "greylisted");
        MailLog.unmetered().deferred(t, received.plusSeconds(362), received.plusSeconds(2));
        ILoggingEvent e = events.list.get(0);

        SyslogLayout text = new SyslogLayout();
        text.setZone(ZoneOffset.UTC);
        String line = text.doLayout(e).strip();
        assertTrue(line.matches("[A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d \\S+ tempfail/smtp\\[\\d+\\]: 3ABCDEF: "
                + "to=<r@example.com>, relay=mx.example.com\\[192.0.2.1\\]:25, delay=2, delays=0/1.5/0.12/0.38, "
                + "dsn=4.2.0, status=deferred \\(450 4.2.0 Greylisted\\) category=greylisted retry=360s"), line);

        JsonNode json = new ObjectMapper().readTree(new JsonLayout().doLayout(e));
        assertEquals("tempfail/smtp", json.get("program").asText());
        assertEquals("deferred", json.get("event").asText());
        assertEquals("3ABCDEF", json.get("queue_id").asText());
        assertEquals("greylisted", json.get("category").asText());
        assertEquals(2, json.get("attempt").asInt());
        assertEquals(line.substring(line.indexOf("]: ") + 3), json.get("message").asText());
    }

    @Test
    void otherLoggersGetAProgramTagToo() {
        assertEquals("tempfail/router", SyslogLayout.program("dev.tempfail.route.Router"));
        assertEquals("tempfail/master", SyslogLayout.program("tempfail"));
        assertEquals("tempfail/qmgr", SyslogLayout.program("tempfail/qmgr"));
    }

    @Test
    void secondsAsPostfixWritesThem() {
        assertEquals("0", MailLog.seconds(Duration.ZERO));
        assertEquals("0.12", MailLog.seconds(Duration.ofMillis(123)));
        assertEquals("3.4", MailLog.seconds(Duration.ofMillis(3400)));
        assertEquals("12.5", MailLog.seconds(Duration.ofMillis(12_500)));
        assertEquals("3600", MailLog.seconds(Duration.ofHours(1)));
    }
}
