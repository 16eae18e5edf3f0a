package dev.tempfail.dsn;

import dev.tempfail.message.Utf8Text;

/**
 * Values made safe for the 7-bit fields of a report: no line breaks (which would end the field
 * and let a remote reply inject fields of its own), no control characters, no 8-bit bytes.
 */
final class Ascii {
    private Ascii() {}

    /** Line breaks become a space, other control and non-ASCII characters '?'; runs of blanks stay as they are. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        String oneLine = s.strip().replaceAll("[\\r\\n]+", " ");
        for (int i = 0; i < oneLine.length(); i++) {
            char c = oneLine.charAt(i);
            out.append(c == '\t' || (c >= 0x20 && c < 0x7f) ? c : '?');
        }
        return out.toString();
    }

    static boolean isAscii(String s) {
        return !Utf8Text.isInternational(s);
    }

    /**
     * An address for Final-Recipient or Original-Recipient: {@code rfc822; a@b.example} when it is
     * ASCII, else RFC 6533's 7-bit form {@code utf-8; j\x{F6}rg@b.example}, so that an
     * internationalised address neither breaks the part nor is lost.
     */
    static String addressField(String type, String address) {
        if (isAscii(address)) return type + "; " + printable(address);
        StringBuilder out = new StringBuilder("utf-8; ");
        address.codePoints().forEach(cp -> {
            // QCHAR of RFC 6533: printable ASCII except '+', '=' and '\'
            if (cp > 0x20 && cp < 0x7f && cp != '+' && cp != '=' && cp != '\\') out.appendCodePoint(cp);
            else out.append("\\x{").append(Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT)).append('}');
        });
        return out.toString();
    }
}
