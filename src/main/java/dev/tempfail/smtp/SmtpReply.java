package dev.tempfail.smtp;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMTP reply as the remote server sent it: the basic code, the RFC 3463 enhanced status
 * code if the first line carries one, and the text of every line (codes stripped).
 */
public record SmtpReply(int code, String enhancedStatus, List<String> lines) {
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s+|$)");

    public SmtpReply {
        lines = List.copyOf(lines);
    }

    /** Parses the text after the code of the first line: {@code "4.2.2 Mailbox full"}. */
    public static SmtpReply of(int code, List<String> lines) {
        String status = null;
        if (!lines.isEmpty()) {
            Matcher m = ENHANCED.matcher(lines.get(0));
            if (m.find()) status = m.group(1) + "." + m.group(2) + "." + m.group(3);
        }
        return new SmtpReply(code, status, lines);
    }

    /** Parses a whole one-line reply as written in logs and seeds: {@code "451 4.7.1 Greylisted"}. */
    public static SmtpReply parse(String reply) {
        String s = reply.strip();
        if (!s.matches("[2-5][0-9][0-9]([ -].*)?")) throw new IllegalArgumentException("not an SMTP reply: " + reply);
        return of(Integer.parseInt(s.substring(0, 3)), List.of(s.length() > 4 ? s.substring(4) : ""));
    }

    /** All lines joined by a space, enhanced code included: what classification rules match against. */
    public String text() {
        return String.join(" ", lines);
    }

    public boolean isPositive() { return code >= 200 && code < 400; }

    public boolean isTransient() { return code >= 400 && code < 500; }

    public boolean isPermanent() { return code >= 500; }

    /** The reply as one line, as it is stored and quoted in DSNs: {@code 452 4.2.2 Over quota}. */
    @Override
    public String toString() {
        return code + " " + text();
    }
}
