package dev.tempfail.lab;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A delivery status notification (RFC 3464) as the lab's receiver got it: the
 * {@code message/delivery-status} part of a {@code multipart/report}, read into its per-message
 * fields and one {@link Recipient} per recipient block ({@code Action}, {@code Status}, ...).
 *
 * @param subject   the report's Subject header (may be null)
 * @param perMessage the per-message fields ({@code Reporting-MTA}, {@code Arrival-Date}, ...), names lowercased
 * @param recipients one entry per per-recipient block; empty when the message has no
 *                   delivery-status part (then it is not a DSN at all)
 */
public record DeliveryReport(String subject, Map<String, String> perMessage, List<Recipient> recipients) {

    /** One per-recipient block: {@code action} is failed, delayed, delivered, relayed or expanded. */
    public record Recipient(String finalRecipient, String originalRecipient, String action, String status,
                            String diagnosticCode, Map<String, String> fields) {}

    public boolean isDsn() {
        return !recipients.isEmpty();
    }

    /** Reads a whole message; one that is not a multipart/report with a delivery-status part gives no recipients. */
    public static DeliveryReport parse(byte[] message) {
        try {
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(message));
            String subject = m.getSubject();
            String status = deliveryStatus(m.getContentType(), m);
            if (status == null) return new DeliveryReport(subject, Map.of(), List.of());
            List<Map<String, String>> groups = groups(status);
            if (groups.isEmpty()) return new DeliveryReport(subject, Map.of(), List.of());
            List<Recipient> recipients = new ArrayList<>();
            for (Map<String, String> g : groups.subList(1, groups.size())) {
                recipients.add(new Recipient(address(g.get("final-recipient")), address(g.get("original-recipient")),
                        lower(g.get("action")), firstWord(g.get("status")), g.get("diagnostic-code"), g));
            }
            return new DeliveryReport(subject, groups.get(0), recipients);
        } catch (MessagingException | IOException e) {
            return new DeliveryReport(null, Map.of("error", e.toString()), List.of());
        }
    }

    /** The delivery-status part's text, looking into nested multiparts; null if there is none. */
    private static String deliveryStatus(String contentType, jakarta.mail.Part part) throws MessagingException, IOException {
        ContentType type = new ContentType(contentType);
        if (type.match("message/delivery-status") || type.match("message/global-delivery-status")) {
            // RFC 3464 lets a delivery-status part be base64 or quoted-printable, but Jakarta Mail
            // ignores the transfer encoding of message/* parts: decode it here
            String[] cte = part.getHeader("Content-Transfer-Encoding");
            InputStream raw = part instanceof MimeBodyPart b ? b.getRawInputStream() : part.getInputStream();
            try (InputStream in = cte == null ? raw : MimeUtility.decode(raw, cte[0].strip())) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        if (type.getPrimaryType().equalsIgnoreCase("multipart")) {
            Object content = part.getContent();
            if (content instanceof Multipart mp) {
                for (int i = 0; i < mp.getCount(); i++) {
                    BodyPart p = mp.getBodyPart(i);
                    String found = deliveryStatus(p.getContentType(), p);
                    if (found != null) return found;
                }
            }
        }
        return null;
    }

    /** Header-style field groups separated by blank lines; folded lines unfolded; names lowercased. */
    static List<Map<String, String>> groups(String text) {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String lastName = null;
        for (String line : text.replace("\r\n", "\n").split("\n", -1)) {
            if (line.isBlank()) {
                if (!current.isEmpty()) out.add(current);
                current = new LinkedHashMap<>();
                lastName = null;
            } else if ((line.startsWith(" ") || line.startsWith("\t")) && lastName != null) {
                current.put(lastName, current.get(lastName) + " " + line.strip());
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0) continue;
                lastName = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                current.put(lastName, line.substring(colon + 1).strip());
            }
        }
        if (!current.isEmpty()) out.add(current);
        return out;
    }

    /** {@code rfc822; a@b.example} → {@code a@b.example}. */
    private static String address(String field) {
        if (field == null) return null;
        int semi = field.indexOf(';');
        return (semi >= 0 ? field.substring(semi + 1) : field).strip();
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }

    /** {@code 4.4.7 (delivery time expired)} → {@code 4.4.7}. */
    private static String firstWord(String s) {
        if (s == null) return null;
        String t = s.strip();
        int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }
}
