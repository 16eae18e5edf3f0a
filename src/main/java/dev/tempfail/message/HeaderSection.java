package dev.tempfail.message;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Finds things in the header section of a raw RFC 5322 message (CRLF line endings) without
 * parsing or changing it: the relay passes bytes on unchanged.
 */
public final class HeaderSection {
    private HeaderSection() {}

    /**
     * The length of the header section including the CRLF that ends its last field, not
     * including the empty line; 0 when the message does not start with a header field.
     */
    public static int length(byte[] message) {
        int lineStart = 0;
        while (lineStart < message.length) {
            int end = lineEnd(message, lineStart);
            if (end == lineStart) return lineStart; // the empty line
            boolean continuation = message[lineStart] == ' ' || message[lineStart] == '\t';
            if (!continuation && !isFieldStart(message, lineStart, end)) return lineStart;
            lineStart = Math.min(message.length, end + 2);
        }
        return message.length;
    }

    /** Whether a field with this name (case-insensitive) is present in the header section. */
    public static boolean has(byte[] message, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        int headers = length(message);
        int lineStart = 0;
        while (lineStart < headers) {
            int end = lineEnd(message, lineStart);
            if (end - lineStart >= prefix.length()
                    && new String(message, lineStart, prefix.length(), StandardCharsets.ISO_8859_1)
                    .toLowerCase(Locale.ROOT).equals(prefix)) {
                return true;
            }
            lineStart = end + 2;
        }
        return false;
    }

    /** The unfolded value of the first field with this name, or null. */
    public static String value(byte[] message, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        String headers = new String(message, 0, length(message), StandardCharsets.ISO_8859_1);
        String[] lines = headers.split("\r\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].toLowerCase(Locale.ROOT).startsWith(prefix)) {
                StringBuilder v = new StringBuilder(lines[i].substring(prefix.length()).trim());
                for (int j = i + 1; j < lines.length && (lines[j].startsWith(" ") || lines[j].startsWith("\t")); j++) {
                    v.append(' ').append(lines[j].trim());
                }
                return v.toString();
            }
        }
        return null;
    }

    private static int lineEnd(byte[] m, int from) {
        for (int i = from; i + 1 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n') return i;
        }
        return m.length;
    }

    private static boolean isFieldStart(byte[] m, int from, int end) {
        for (int i = from; i < end; i++) {
            byte b = m[i];
            if (b == ':') return i > from;
            if (b <= 32 || b >= 127) return false;
        }
        return false;
    }
}
