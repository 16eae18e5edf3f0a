package dev.tempfail.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

    /**
     * Reads the start of a message from {@code in}: up to and including the empty line that ends
     * its header section, or all of it, or at most {@code limit} bytes; enough for {@link #length}
     * and the other methods here, without reading a large body.
     */
    public static byte[] readStart(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] chunk = new byte[4096];
        int matched = 0; // how much of CRLF CRLF the last bytes are
        while (out.size() < limit) {
            int n = in.read(chunk, 0, Math.min(chunk.length, limit - out.size()));
            if (n < 0) break;
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4 || (matched == 2 && out.size() + i + 1 == 2)) {
                    out.write(chunk, 0, i + 1);
                    return out.toByteArray();
                }
            }
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
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
