package dev.tempfail.dsn;

/**
 * Writes one header field, folded to lines of at most 78 characters where it can be (RFC 5322
 * §2.2.3). Folding only inserts CRLF before a space that is already there, so unfolding (taking
 * out each CRLF that comes before a space) gives back the value exactly: a long Diagnostic-Code
 * is wrapped, never cut.
 */
final class HeaderFolding {
    static final int LINE = 78;
    /** RFC 5322's hard limit is 998 characters before CRLF; stay clear of it. */
    private static final int HARD = 990;

    private HeaderFolding() {}

    /** {@code Name: value} and its CRLF, folded. */
    static String field(String name, String value) {
        String line = name + ": " + value;
        if (line.length() <= LINE) return line + "\r\n";
        StringBuilder out = new StringBuilder(line.length() + 16);
        int lineStart = 0;   // where the current output line starts, in `line`
        int lastBreak = -1;  // the last space we may fold before, on the current line
        int minBreak = name.length() + 2; // never fold between the name and the value's first word
        for (int i = minBreak; i < line.length(); i++) {
            if (i - lineStart >= LINE && lastBreak > lineStart) {
                out.append(line, lineStart, lastBreak).append("\r\n");
                lineStart = lastBreak;
                lastBreak = -1;
            }
            if (i - lineStart >= HARD) {
                // A single word this long cannot be folded without changing it; no real value has
                // one (an SMTP reply line is at most 512 characters), but the line limit is not ours to break.
                out.append(line, lineStart, i).append("\r\n ");
                lineStart = i;
                lastBreak = -1;
            }
            if (foldable(line, i)) lastBreak = i;
        }
        return out.append(line, lineStart, line.length()).append("\r\n").toString();
    }

    /**
     * A lone space between two non-blank characters. Not in a run of blanks: readers such as
     * Jakarta Mail unfold a fold followed by several blanks into one space.
     */
    private static boolean foldable(String s, int i) {
        return s.charAt(i) == ' ' && i + 1 < s.length()
                && !isBlank(s.charAt(i - 1)) && !isBlank(s.charAt(i + 1));
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
