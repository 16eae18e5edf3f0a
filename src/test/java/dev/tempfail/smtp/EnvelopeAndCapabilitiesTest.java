package dev.tempfail.smtp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeAndCapabilitiesTest {
    @Test
    void ehloReplyIsReadIntoKeywordsAndParameters() {
        EhloCapabilities c = EhloCapabilities.fromEhlo(SmtpReply.of(250, List.of(
                "mx.example.net Hello relay.test [127.0.0.1]", "SIZE 35882577", "8bitmime", "AUTH LOGIN PLAIN",
                "PIPELINING", "DSN", "STARTTLS")));
        assertTrue(c.esmtp());
        assertEquals("mx.example.net", c.serverName());
        assertEquals(List.of("SIZE", "8BITMIME", "AUTH", "PIPELINING", "DSN", "STARTTLS"), List.copyOf(c.extensions().keySet()));
        assertEquals("LOGIN PLAIN", c.parameters("auth"));
        assertEquals("", c.parameters("PIPELINING"));
        assertNull(c.parameters("CHUNKING"));
        assertEquals(35882577L, c.sizeLimit().getAsLong());
        assertTrue(c.pipelining() && c.dsn() && c.eightBitMime() && c.startTls());
        assertFalse(EhloCapabilities.fromEhlo(SmtpReply.of(250, List.of("mx", "SIZE"))).sizeLimit().isPresent());
    }

    @Test
    void heloRepliesCarryNoExtensions() {
        EhloCapabilities c = EhloCapabilities.fromHelo(SmtpReply.parse("250 mx.example.net"));
        assertFalse(c.esmtp());
        assertEquals("mx.example.net", c.serverName());
        assertTrue(c.extensions().isEmpty());
    }

    @Test
    void envelopeRefusesValuesThatCouldInjectCommands() {
        assertThrows(IllegalArgumentException.class, () -> Envelope.of("a@b\r\nRCPT TO:<x@y>", "c@d"));
        assertThrows(IllegalArgumentException.class, () -> Envelope.of("a@b", "c@d\r\nDATA"));
        assertThrows(IllegalArgumentException.class, () -> new Envelope.Recipient("c@d", "SOMETIMES", null));
        assertThrows(IllegalArgumentException.class, () -> new Envelope.Recipient("c@d", null, "no-type-here"));
        assertThrows(IllegalArgumentException.class, () -> new Envelope("a@b", List.of(Envelope.Recipient.of("c@d")), "ALL", null, false, 0));
        assertThrows(IllegalArgumentException.class, () -> Envelope.of("a@b"));
        assertEquals("SUCCESS,DELAY", new Envelope.Recipient("c@d", "success,delay", null).notifyOn());
    }

    @Test
    void tooManyRecipientsIs452WithoutCodeOr453() {
        assertTrue(TransactionSteps.tooManyRecipients(SmtpReply.parse("452 4.5.3 Too many recipients")));
        assertTrue(TransactionSteps.tooManyRecipients(SmtpReply.parse("452 Too many recipients")));
        assertFalse(TransactionSteps.tooManyRecipients(SmtpReply.parse("452 4.2.2 Over quota")));
        assertFalse(TransactionSteps.tooManyRecipients(SmtpReply.parse("451 4.5.3 Too many recipients")));
    }
}
