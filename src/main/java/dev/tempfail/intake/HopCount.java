package dev.tempfail.intake;

/**
 * Counts the {@code Received:} fields of a message's header section as its bytes stream past,
 * one at a time, holding nothing but a few bytes of state: the loop check (more than
 * {@code smtp.max_hops} means the message has been going round, as Postfix's
 * {@code hopcount_limit} and RFC 5321 section 6.3 say) must not need the message in memory.
 *
 * <p>The header section ends at the empty line, or at the first line that is neither a field
 * nor a continuation; nothing after it is looked at.
 */
final class HopCount {
    private static final String RECEIVED = "received";

    /** What the current line is, as far as it has come. */
    private enum Line { NAME, BEFORE_COLON, FIELD, CONTINUATION, NOT_A_FIELD }

    private int count;
    private boolean inHeaders = true;
    private boolean lineStart = true;
    private Line line;
    private int nameLength;
    /** How much of "received" the field name has matched; -1 once it cannot be that field. */
    private int matched;
    private boolean received;

    /** Feeds the next byte of the message (unstuffed, CRLF line endings). */
    void update(int b) {
        if (!inHeaders) return;
        if (b == '\n') {
            endLine();
            return;
        }
        if (b == '\r') return; // the LF that follows ends the line
        if (lineStart) {
            lineStart = false;
            line = b == ' ' || b == '\t' ? Line.CONTINUATION : Line.NAME;
            nameLength = 0;
            matched = 0;
        }
        if (line != Line.NAME && line != Line.BEFORE_COLON) return;
        if (b == ':') {
            line = nameLength > 0 ? Line.FIELD : Line.NOT_A_FIELD;
            received = matched == RECEIVED.length();
        } else if ((b == ' ' || b == '\t') && nameLength > 0) {
            line = Line.BEFORE_COLON; // RFC 5322 4.5.3: the obsolete syntax allows blanks before the colon
        } else if (b <= 32 || b >= 127 || line == Line.BEFORE_COLON) {
            line = Line.NOT_A_FIELD;
        } else {
            nameLength++;
            boolean next = matched >= 0 && matched < RECEIVED.length() && Character.toLowerCase(b) == RECEIVED.charAt(matched);
            matched = next ? matched + 1 : -1;
        }
    }

    private void endLine() {
        if (lineStart || line == Line.NAME || line == Line.BEFORE_COLON || line == Line.NOT_A_FIELD) {
            inHeaders = false; // the empty line, or the body began without one
        } else if (line == Line.FIELD && received) {
            count++;
        }
        lineStart = true;
    }

    /** The {@code Received:} fields seen so far. */
    int count() {
        return count;
    }
}
