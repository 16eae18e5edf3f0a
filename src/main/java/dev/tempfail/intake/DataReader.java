package dev.tempfail.intake;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a DATA stream strictly: only {@code <CRLF>.<CRLF>} ends the message, dots are
 * unstuffed, and any bare CR or bare LF marks the message as unacceptable.
 *
 * <p>Why strict: SMTP smuggling hides a second message behind an end-of-data look-alike
 * ({@code <LF>.<LF>}, {@code <LF>.<CR><LF>}) that a lenient receiver honours and a strict
 * one does not. We never honour one: a dot line ends the message only if the line before
 * it ended with CRLF. A bad message is read to its real end and then refused, so the
 * session stays in step with the client and nothing after a fake terminator is ever
 * taken as a command.
 *
 * <p>Bytes are read one at a time from a buffered stream, because whatever follows the
 * terminator (pipelined commands) must stay in that stream for the command reader.
 */
final class DataReader {

    /** What came in: the unstuffed bytes (null when over the limit) and what was wrong. */
    record Result(byte[] content, long size, boolean tooLarge, boolean bareLineEnding) {
        boolean acceptable() {
            return !tooLarge && !bareLineEnding;
        }
    }

    private DataReader() {}

    /**
     * Reads up to and including the terminator; keeps at most {@code maxSize} bytes.
     *
     * @throws EOFException if the client disconnects before the terminator
     */
    static Result read(InputStream in, long maxSize) throws IOException {
        Buffer out = new Buffer(maxSize);
        boolean cleanLineStart = true; // the line before ended with CRLF (or this is the first line)
        boolean dotLine = false;       // this line began with a dot at a clean line start
        boolean pendingCr = false;
        boolean bare = false;
        int column = 0;
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException("client disconnected during DATA");
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    if (dotLine && column == 1) {
                        return new Result(out.tooLarge ? null : out.toByteArray(), out.size, out.tooLarge, bare);
                    }
                    out.write('\r');
                    out.write('\n');
                    column = 0;
                    cleanLineStart = true;
                    dotLine = false;
                    continue;
                }
                bare = true; // a CR not followed by LF
                out.write('\r');
                column++;
            }
            if (b == '\r') {
                pendingCr = true;
            } else if (b == '\n') {
                bare = true; // an LF without its CR
                out.write('\n');
                column = 0;
                cleanLineStart = false;
                dotLine = false;
            } else if (column == 0 && b == '.' && cleanLineStart) {
                dotLine = true; // transparency dot (RFC 5321 4.5.2): dropped
                column = 1;
            } else {
                out.write(b);
                column++;
            }
        }
    }

    /** A growable byte array that stops keeping bytes past the limit but keeps counting. */
    private static final class Buffer {
        private final long limit;
        private byte[] bytes = new byte[8192];
        private int length;
        long size;
        boolean tooLarge;

        Buffer(long limit) {
            this.limit = limit;
        }

        void write(int b) {
            size++;
            if (size > limit) {
                tooLarge = true;
                bytes = null;
                return;
            }
            if (length == bytes.length) bytes = Arrays.copyOf(bytes, Math.max(16, (int) Math.min(limit, bytes.length * 2L)));
            bytes[length++] = (byte) b;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, length);
        }
    }
}
