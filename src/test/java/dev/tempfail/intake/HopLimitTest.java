package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hop count: Received: fields of the header section only, and the limit at DATA. */
class HopLimitTest {
    @TempDir Path dir;

    private static int hops(String message) {
        HopCount count = new HopCount();
        for (byte b : message.getBytes(StandardCharsets.ISO_8859_1)) count.update(b & 0xff);
        return count.count();
    }

    @Test
    void countsReceivedFieldsOfTheHeaderSectionOnly() {
        assertEquals(4, hops("Received: from a\r\n\tby b; Mon, 1 Dec 2026\r\nreceived:x\r\nRECEIVED : obsolete syntax\r\n"
                + "Received-SPF: pass\r\nSubject: Received: no\r\nReceived:\r\n\r\nReceived: in the body\r\n"));
        assertEquals(0, hops("Received from nowhere, not a field\r\nReceived: after the header section ended\r\n"));
        assertEquals(1, hops("Received: one\r\n"), "a message that is all header");
        assertEquals(0, hops(""));
    }

    @Test
    void moreThanMaxHopsIsRefusedWith554AndNothingIsStored() throws Exception {
        try (Relay relay = Relay.start(TestRelays.config(dir, Map.of("TEMPFAIL_SMTP_MAX_HOPS", "3")), Clock.systemUTC())) {
            String three = "Received: from a by b; Mon, 1 Dec 2026 10:00:00 +0000\r\n".repeat(3);
            assertTrue(send(relay, three + "Subject: three hops\r\n\r\nok\r\n").startsWith("250 "));
            String reply = send(relay, three + "Received: from c\r\n\tby d; Mon, 1 Dec 2026 10:00:00 +0000\r\nSubject: four\r\n\r\nx\r\n");
            assertEquals("554 5.4.6 Too many hops (4 Received: headers, limit 3)", reply);
            assertEquals(1, Sql.count(relay.database(), "SELECT COUNT(*) FROM message"), "only the first message");
        }
    }

    private static String send(Relay relay, String content) throws Exception {
        return SmtpTestClient.sendMail(relay.smtpPort(), "a@example.org", List.of("b@example.com"), content);
    }
}
