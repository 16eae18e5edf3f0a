package dev.tempfail.lab;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading DSNs as the lab's mailbox receives them, from hand-made samples in the RFC 3464 form. */
class DeliveryReportTest {
    static final String FAILED = """
            From: Mail Delivery System <MAILER-DAEMON@tempfail.localhost>\r
            To: <app@sender.example>\r
            Subject: Undelivered Mail Returned to Sender\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=delivery-status;\r
            \tboundary="b1"\r
            \r
            --b1\r
            Content-Type: text/plain; charset=us-ascii\r
            \r
            Your message could not be delivered to one or more recipients.\r
            \r
            --b1\r
            Content-Type: message/delivery-status\r
            \r
            Reporting-MTA: dns; tempfail.localhost\r
            Arrival-Date: Mon, 5 Jan 2026 10:00:00 +0000\r
            \r
            Final-Recipient: rfc822; q@lab.example\r
            Original-Recipient: rfc822;Q@lab.example\r
            Action: failed\r
            Status: 4.4.7\r
            Remote-MTA: dns; lab.receiver\r
            Diagnostic-Code: smtp; 452 4.2.2 The email account that you tried to reach\r
             is over quota\r
            \r
            Final-Recipient: rfc822; u@lab.example\r
            Action: failed\r
            Status: 5.1.1 (bad destination mailbox address)\r
            \r
            --b1\r
            Content-Type: text/rfc822-headers\r
            \r
            Subject: tempfail lab message 1 of 1\r
            \r
            --b1--\r
            """;

    @Test
    void readsTheActionAndStatusOfEachRecipient() {
        DeliveryReport d = DeliveryReport.parse(FAILED.getBytes(StandardCharsets.US_ASCII));
        assertTrue(d.isDsn());
        assertEquals("Undelivered Mail Returned to Sender", d.subject());
        assertEquals("dns; tempfail.localhost", d.perMessage().get("reporting-mta"));
        assertEquals(2, d.recipients().size());
        DeliveryReport.Recipient q = d.recipients().get(0);
        assertEquals("q@lab.example", q.finalRecipient());
        assertEquals("Q@lab.example", q.originalRecipient());
        assertEquals("failed", q.action());
        assertEquals("4.4.7", q.status());
        assertEquals("smtp; 452 4.2.2 The email account that you tried to reach is over quota", q.diagnosticCode(), "folded lines unfolded");
        assertEquals("5.1.1", d.recipients().get(1).status(), "the comment after the code is left out");
    }

    @Test
    void aDelayNoticeInBase64() {
        String status = "Reporting-MTA: dns; tempfail.localhost\r\n\r\nFinal-Recipient: rfc822;q@lab.example\r\nAction: delayed\r\n"
                + "Status: 4.2.2\r\nWill-Retry-Until: Thu, 8 Jan 2026 10:00:00 +0000\r\n";
        String msg = "Subject: Delayed Mail (still being retried)\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\r\n\r\n"
                + "--x\r\nContent-Type: text/plain\r\n\r\nStill trying.\r\n"
                + "--x\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(status.getBytes(StandardCharsets.US_ASCII)) + "\r\n--x--\r\n";
        DeliveryReport d = DeliveryReport.parse(msg.getBytes(StandardCharsets.US_ASCII));
        assertEquals(1, d.recipients().size(), d.toString());
        assertEquals("delayed", d.recipients().get(0).action());
        assertEquals("4.2.2", d.recipients().get(0).status());
        assertEquals("Thu, 8 Jan 2026 10:00:00 +0000", d.recipients().get(0).fields().get("will-retry-until"));
    }

    @Test
    void aMessageThatIsNotADsn() {
        DeliveryReport d = DeliveryReport.parse("Subject: hello\r\n\r\nplain text\r\n".getBytes(StandardCharsets.US_ASCII));
        assertFalse(d.isDsn());
        assertEquals("hello", d.subject());
    }

    @Test
    void fieldGroups() {
        assertEquals(List.of(Map.of("a", "1"), Map.of("b", "2 3")), DeliveryReport.groups("A: 1\n\n\nB: 2\n 3\n"));
    }
}
