package dev.tempfail.intake;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads a DATA stream strictly: only {@code <CRLF>.<CRLF>} ends the message, dots are
 * unstuffed, and any bare CR or bare LF marks the message as unacceptable. The unstuffed bytes
 * go straight on to a sink (the message's spool file) through one small buffer: a message is
 * never held in memory.
 *
 * <p>Why strict: SMTP smuggling hides a second message behind an end-of-data look-alike
 * ({@code <LF>.<LF>}, {@code <LF>.<CR><LF>}) that a lenient receiver honours and a strict
 * one does not. We never honour one: a dot line ends the message only if the line before
 * it ended with CRLF. A bad message is read to its real end and then refused, so the
 * session stays in step with the client and nothing after a fake terminator is ever
 * taken as a command. So is a message too large, and one whose sink failed (a full disk):
 * writing stops, reading goes on to the terminator.
 *
 * <p>Whatever follows the terminator (pipelined commands) must stay in the stream for the
 * command reader. So bytes are taken a chunk at a time under a mark of the (buffered) stream,
 * and at the terminator the stream is reset to just after it; a stream without marks is read a
 * byte at a time. A byte-at-a-time read of a buffered stream is a synchronised call per byte: it
 * was a fifth of intake's Java time.
 */
final class DataReader {
    private static final int BUFFER = 8192;

    /**
     * What came in: its size, what was wrong, and its hop count.
     *
     * @param writeError why the sink stopped taking bytes (then it holds a part only), or null
     * @param hops       the {@code Received:} fields in its header section ({@link HopCount})
     */
    record Result(long size, boolean tooLarge, boolean bareLineEnding, IOException writeError, int hops) {
        boolean acceptable() {
            return !tooLarge && !bareLineEnding && writeError == null;
        }
    }

    private DataReader() {}

    /**
     * Reads up to and including the terminator, writing at most {@code maxSize} bytes to
     * {@code sink} (not flushed, not closed).
     *
     * @throws EOFException if the client disconnects before the terminator
     */
    static Result read(InputStream stream, long maxSize, OutputStream sink) throws IOException {
        Chunks in = new Chunks(stream);
        Sink out = new Sink(sink, maxSize);
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
                        in.leaveRest();
                        out.flush();
                        return new Result(out.size, out.size > maxSize, bare, out.error, out.hops.count());
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

    /** The client's bytes a chunk at a time, giving back to the stream what lies past the terminator. */
    private static final class Chunks {
        private final InputStream in;
        private final boolean marks;
        private final byte[] chunk;
        private int pos;
        private int length;

        Chunks(InputStream in) {
            this.in = in;
            this.marks = in.markSupported();
            this.chunk = new byte[marks ? BUFFER : 1];
        }

        /** The next byte, or -1 at the end of the stream. */
        int read() throws IOException {
            if (pos == length) {
                if (marks) in.mark(chunk.length);
                length = in.read(chunk, 0, chunk.length);
                pos = 0;
                if (length <= 0) {
                    length = 0;
                    return -1;
                }
            }
            return chunk[pos++] & 0xff;
        }

        /** Puts back the bytes of the last chunk that were not taken: they belong to the next command. */
        void leaveRest() throws IOException {
            if (!marks || pos == length) return;
            in.reset();
            in.skipNBytes(pos);
            length = pos;
        }
    }

    /** Buffers bytes for the sink; stops passing them on past the limit or after a failure, but keeps counting (bytes and hops). */
    private static final class Sink {
        final HopCount hops = new HopCount();
        private final OutputStream sink;
        private final long limit;
        private final byte[] buffer = new byte[BUFFER];
        private int length;
        long size;
        IOException error;

        Sink(OutputStream sink, long limit) {
            this.sink = sink;
            this.limit = limit;
        }

        void write(int b) {
            hops.update(b);
            if (++size > limit || error != null) return;
            buffer[length++] = (byte) b;
            if (length == buffer.length) flush();
        }

        void flush() {
            if (length == 0 || error != null) return;
            try {
                sink.write(buffer, 0, length);
            } catch (IOException e) {
                error = e;
            }
            length = 0;
        }
    }
}
