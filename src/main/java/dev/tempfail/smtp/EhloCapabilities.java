package dev.tempfail.smtp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The service extensions a server advertised in its EHLO reply (RFC 5321 section 4.1.1.1):
 * keyword (upper case) to its parameters ({@code ""} when it has none), in the order given.
 *
 * @param esmtp      false when the server refused EHLO and the client fell back to HELO
 * @param serverName the first word of the reply's first line, as the server named itself
 */
public record EhloCapabilities(boolean esmtp, String serverName, Map<String, String> extensions) {

    /** No EHLO reply at all (no host reached). */
    public static final EhloCapabilities NONE = new EhloCapabilities(false, "", Map.of());

    public EhloCapabilities {
        extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /** Reads a 250 reply to EHLO. */
    public static EhloCapabilities fromEhlo(SmtpReply reply) {
        Map<String, String> ext = new LinkedHashMap<>();
        for (String line : reply.lines().subList(Math.min(1, reply.lines().size()), reply.lines().size())) {
            String s = line.strip();
            if (s.isEmpty()) continue;
            int sp = indexOfSpace(s);
            String keyword = (sp < 0 ? s : s.substring(0, sp)).toUpperCase(Locale.ROOT);
            ext.putIfAbsent(keyword, sp < 0 ? "" : s.substring(sp + 1).strip());
        }
        return new EhloCapabilities(true, firstWord(reply), ext);
    }

    /** A 250 reply to HELO: plain SMTP, no extensions. */
    public static EhloCapabilities fromHelo(SmtpReply reply) {
        return new EhloCapabilities(false, firstWord(reply), Map.of());
    }

    public boolean has(String keyword) {
        return extensions.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** The parameters of an extension, {@code ""} if it has none, null if not advertised. */
    public String parameters(String keyword) {
        return extensions.get(keyword.toUpperCase(Locale.ROOT));
    }

    public boolean pipelining() { return has("PIPELINING"); }

    public boolean dsn() { return has("DSN"); }

    public boolean eightBitMime() { return has("8BITMIME"); }

    public boolean startTls() { return has("STARTTLS"); }

    /** RFC 6531: the server takes UTF-8 addresses and header fields. */
    public boolean smtputf8() { return has("SMTPUTF8"); }

    /** The fixed size limit the server announced with {@code SIZE n} (RFC 1870); empty if none or 0. */
    public OptionalLong sizeLimit() {
        String p = parameters("SIZE");
        if (p == null || !p.matches("[0-9]{1,18}")) return OptionalLong.empty();
        long n = Long.parseLong(p);
        return n == 0 ? OptionalLong.empty() : OptionalLong.of(n);
    }

    private static String firstWord(SmtpReply reply) {
        if (reply.lines().isEmpty()) return "";
        String s = reply.lines().get(0).strip();
        int sp = indexOfSpace(s);
        return sp < 0 ? s : s.substring(0, sp);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
