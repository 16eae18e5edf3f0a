package dev.tempfail.dsn;

import dev.tempfail.message.HeaderSection;
import dev.tempfail.message.MailDates;
import jakarta.mail.internet.MimeUtility;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a delivery status notification: the whole message, headers and the three parts of
 * an RFC 6522 {@code multipart/report}, as bytes with CRLF line endings; for a message that
 * needed SMTPUTF8 the RFC 6533 global form ({@link DsnRequest#global}). The report is 7-bit
 * unless the returned original, or a global report's addresses, have 8-bit bytes (see {@link #bodyType}).
 */
public final class DsnBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);
    private static final Pattern MSG_ID = Pattern.compile("<[\\x21-\\x3b\\x3d\\x3f-\\x7e]+>");

    private DsnBuilder() {}

    /** The complete report message. */
    public static byte[] build(DsnRequest r) {
        ReturnedOriginal original = ReturnedOriginal.of(r);
        byte[] text = NoticeText.text(r, original).getBytes(StandardCharsets.UTF_8);
        boolean textIsPlain = sevenBitShortLines(text);
        byte[] status = DeliveryStatusFields.text(r).getBytes(StandardCharsets.UTF_8);
        boolean eightBitStatus = !sevenBit(status);
        byte[] body = textIsPlain ? text : quotedPrintable(text);
        String boundary = boundaryNotIn(r, body, status, original.content());

        Out out = new Out();
        headers(out, r, boundary, original.eightBit() || eightBitStatus);
        out.line("This is a MIME-encapsulated message.");
        out.line("");
        out.line("--" + boundary);
        out.line("Content-Description: Notification");
        out.line("Content-Type: text/plain; charset=utf-8");
        out.line("Content-Transfer-Encoding: " + (textIsPlain ? "7bit" : "quoted-printable"));
        out.line("");
        out.bytes(body);
        out.line("");
        out.line("--" + boundary);
        out.line("Content-Description: Delivery report");
        out.line("Content-Type: " + (r.global() ? "message/global-delivery-status" : "message/delivery-status"));
        if (eightBitStatus) out.line("Content-Transfer-Encoding: 8bit");
        out.line("");
        out.bytes(status);
        out.line("");
        out.line("--" + boundary);
        out.line("Content-Description: " + originalDescription(r.kind(), original));
        out.line("Content-Type: " + original.contentType(r.global()));
        if (original.eightBit()) out.line("Content-Transfer-Encoding: 8bit");
        out.line("");
        out.bytes(original.content());
        // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1): with it, the part
        // is the original to the last byte, including its own final CRLF.
        out.line("");
        out.line("--" + boundary + "--");
        return out.toByteArray();
    }

    /**
     * The SMTP BODY type to queue the report with: {@code 8BITMIME} when it carries 8-bit bytes
     * (only ever from the returned original), else {@code 7BIT}.
     */
    public static String bodyType(byte[] report) {
        for (byte b : report) if (b < 0) return "8BITMIME";
        return "7BIT";
    }

    private static void headers(Out out, DsnRequest r, String boundary, boolean eightBit) {
        String host = r.reportingMta();
        out.text(HeaderFolding.field("From", "Mail Delivery System <MAILER-DAEMON@" + host + ">"));
        // Raw UTF-8 for an internationalised sender (RFC 6532): such a sender came in with SMTPUTF8.
        out.text(HeaderFolding.field("To", r.originalSender()));
        out.text(HeaderFolding.field("Subject", r.kind().subject()));
        out.text(HeaderFolding.field("Date", MailDates.format(r.now())));
        out.text(HeaderFolding.field("Message-ID", messageId(r)));
        String original = originalMessageId(r.originalMessage());
        if (original != null) {
            out.text(HeaderFolding.field("In-Reply-To", original));
            out.text(HeaderFolding.field("References", original));
        }
        // RFC 3834: a machine's answer; auto-responders and vacation programs must not answer it.
        out.text(HeaderFolding.field("Auto-Submitted", "auto-replied"));
        out.text(HeaderFolding.field("MIME-Version", "1.0"));
        out.text(HeaderFolding.field("Content-Type",
                "multipart/report; report-type=" + (r.global() ? "global-delivery-status" : "delivery-status")
                        + "; boundary=\"" + boundary + "\""));
        if (eightBit) out.text(HeaderFolding.field("Content-Transfer-Encoding", "8bit"));
        out.line("");
    }

    /** {@code <20270304120000.4C9ZKQ2M7HBTX.failed.9f3a61c2e0b4d7a5@relay.example.org>}: readable, and unique. */
    private static String messageId(DsnRequest r) {
        return "<" + ID_TIME.format(r.now()) + "." + r.queueId() + "."
                + r.kind().action() + "." + randomHex(8) + "@" + r.reportingMta() + ">";
    }

    /** The original's Message-ID, if it has a usable one (7-bit, in angle brackets). */
    static String originalMessageId(byte[] original) {
        String value = HeaderSection.value(original, "Message-ID");
        if (value == null) return null;
        Matcher m = MSG_ID.matcher(value);
        return m.find() ? m.group() : null;
    }

    /**
     * A boundary that occurs in none of the parts. With 96 random bits a clash is as good as
     * impossible, but the original is the sender's to choose, so we check rather than trust.
     */
    private static String boundaryNotIn(DsnRequest r, byte[]... parts) {
        while (true) {
            String boundary = "=_" + r.queueId() + "/" + randomHex(12);
            byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
            boolean clash = false;
            for (byte[] part : parts) clash |= indexOf(part, delimiter) >= 0;
            if (!clash) return boundary;
        }
    }

    private static String originalDescription(DsnKind kind, ReturnedOriginal original) {
        String what = original.form() == ReturnedOriginal.Form.WHOLE ? "Message" : "Message Headers";
        return kind == DsnKind.FAILED ? "Undelivered " + what : what;
    }

    private static boolean sevenBit(byte[] b) {
        for (byte c : b) if (c < 0) return false;
        return true;
    }

    private static boolean sevenBitShortLines(byte[] text) {
        int lineLength = 0;
        for (byte b : text) {
            if (b < 0) return false;
            lineLength = b == '\n' ? 0 : lineLength + 1;
            if (lineLength > 990) return false;
        }
        return true;
    }

    private static byte[] quotedPrintable(byte[] text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length * 3 / 2);
        try (OutputStream qp = MimeUtility.encode(bytes, "quoted-printable")) {
            qp.write(text);
        } catch (IOException | jakarta.mail.MessagingException e) {
            throw new IllegalStateException("quoted-printable encoding of an in-memory text failed", e);
        }
        return bytes.toByteArray();
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** Bytes with CRLF-ended lines. */
    private static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);

        void line(String ascii) {
            text(ascii + "\r\n");
        }

        void text(String s) {
            bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        void bytes(byte[] b) {
            bytes.write(b, 0, b.length);
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}
