package dev.tempfail.dsn;

import dev.tempfail.message.HeaderSection;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The third part of a report: the whole original when RET=FULL asked for it and it fits in
 * {@code maxReturnSize}, else its header section. Without RET the headers are enough (RFC 3461
 * leaves the choice to us, and the headers say which message it was without sending a large
 * message back).
 *
 * @param form         what is returned
 * @param content      the bytes of the part: the original, byte for byte, or its header section
 * @param originalSize the size of the whole original, for the text when it was too large
 */
record ReturnedOriginal(Form form, byte[] content, long originalSize) {

    enum Form {
        /** message/rfc822 */
        WHOLE,
        /** text/rfc822-headers: RET=HDRS, or no RET */
        HEADERS,
        /** text/rfc822-headers: RET=FULL, but the original is larger than maxReturnSize */
        HEADERS_TOO_LARGE
    }

    static ReturnedOriginal of(DsnRequest r) {
        byte[] original = r.originalMessage();
        if (DsnRequest.returnsWhole(r.ret(), r.originalSize(), r.maxReturnSize())) {
            return new ReturnedOriginal(Form.WHOLE, withCrlf(original), r.originalSize());
        }
        byte[] headers = withCrlf(Arrays.copyOf(original, HeaderSection.length(original)));
        return new ReturnedOriginal("FULL".equals(r.ret()) ? Form.HEADERS_TOO_LARGE : Form.HEADERS, headers,
                r.originalSize());
    }

    /** RFC 6522's types, or RFC 6533's for a report about a message that needed SMTPUTF8. */
    String contentType(boolean global) {
        if (global) return form == Form.WHOLE ? "message/global" : "message/global-headers";
        return form == Form.WHOLE ? "message/rfc822" : "text/rfc822-headers";
    }

    boolean eightBit() {
        for (byte b : content) if (b < 0) return true;
        return false;
    }

    /**
     * The bytes unchanged when every line ends in CRLF, as in everything our listener accepts.
     * A bare CR or LF (a message that came in some other way) becomes CRLF: the report must pass
     * strict SMTP listeners, ours included, which refuse bare line ends.
     */
    static byte[] withCrlf(byte[] b) {
        if (crlfOnly(b)) return b;
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + 64);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                out.write('\r');
                out.write('\n');
                i++;
            } else if (b[i] == '\r' || b[i] == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b[i]);
            }
        }
        return out.toByteArray();
    }

    private static boolean crlfOnly(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r') {
                if (i + 1 >= b.length || b[i + 1] != '\n') return false;
                i++;
            } else if (b[i] == '\n') {
                return false;
            }
        }
        return true;
    }
}
