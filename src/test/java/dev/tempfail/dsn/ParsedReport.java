package dev.tempfail.dsn;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A report as a mail client sees it, read with Jakarta Mail (not with our own code). */
record ParsedReport(byte[] raw, MimeMessage message, MimeMultipart parts, String text,
                    InternetHeaders perMessage, List<InternetHeaders> perRecipient) {

    static ParsedReport of(byte[] raw) throws MessagingException, IOException {
        assertCrlfOnly(raw);
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        Object content = message.getContent();
        assertTrue(content instanceof MimeMultipart, "content is " + content.getClass());
        MimeMultipart parts = (MimeMultipart) content;
        assertEquals(3, parts.getCount(), "a report has three parts");
        String text = new String(parts.getBodyPart(0).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<InternetHeaders> blocks = new ArrayList<>();
        try (InputStream status = parts.getBodyPart(1).getInputStream()) {
            while (status.available() > 0) blocks.add(new InternetHeaders(status));
        }
        return new ParsedReport(raw, message, parts, text, blocks.get(0), blocks.subList(1, blocks.size()));
    }

    /** The value of a field, unfolded as RFC 5322 §2.2.3 says: each CRLF before a blank removed. Null if absent. */
    static String field(InternetHeaders h, String name) {
        String[] values = h.getHeader(name);
        if (values == null) return null;
        assertEquals(1, values.length, name + " appears once");
        return values[0].replaceAll("\r\n(?=[ \t])", "");
    }

    String header(String name) throws MessagingException {
        String[] values = message.getHeader(name);
        if (values == null) return null;
        assertEquals(1, values.length, name + " appears once");
        return values[0];
    }

    BodyPart part(int i) throws MessagingException {
        return parts.getBodyPart(i);
    }

    /** The part's bytes exactly as they are in the report (no transfer decoding). */
    byte[] rawContent(int i) throws MessagingException, IOException {
        return ((MimeBodyPart) parts.getBodyPart(i)).getRawInputStream().readAllBytes();
    }

    /** The text with its line breaks and indentation made single spaces, to look for sentences across wraps. */
    String flatText() {
        return text.replaceAll("\\s+", " ");
    }

    static void assertCrlfOnly(byte[] raw) {
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) fail("bare LF at byte " + i);
            if (raw[i] == '\r' && (i + 1 == raw.length || raw[i + 1] != '\n')) fail("bare CR at byte " + i);
        }
        assertTrue(raw.length >= 2 && raw[raw.length - 2] == '\r' && raw[raw.length - 1] == '\n', "ends with CRLF");
    }
}
