package dev.tempfail.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes message content for DATA (RFC 5321 section 4.5.2): a dot is added before every line
 * that starts with a dot, and {@link #finish()} makes sure the content ends with CRLF and
 * writes the terminating {@code .CRLF}. Nothing else is changed.
 *
 * <p>The content is expected to use CRLF already. A line is taken to start after every LF,
 * also a bare one: stuffing there changes only content that is malformed anyway, and keeps a
 * lenient receiver from reading {@code LF.CRLF} in the middle of a message as its end (the
 * "SMTP smuggling" family of bugs).
 */
final class DotStuffingOutputStream extends OutputStream {
    private final OutputStream out;
    private boolean lineStart = true;
    private int last = -1;
    private int beforeLast = -1;
    private long count;
    private boolean finished;

    DotStuffingOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) throw new IOException("content already finished");
        int end = off + len;
        int start = off;
        for (int i = off; i < end; i++) {
            if (lineStart && b[i] == '.') {
                out.write(b, start, i - start);
                out.write('.');
                start = i; // the content's own dot goes out with the next span
            }
            lineStart = b[i] == '\n';
        }
        out.write(b, start, end - start);
        if (len >= 2) {
            beforeLast = b[end - 2];
            last = b[end - 1];
        } else if (len == 1) {
            beforeLast = last;
            last = b[end - 1];
        }
        count += len;
    }

    /** Ends the content: CRLF if it does not end with one, then the final {@code .CRLF}. */
    void finish() throws IOException {
        if (finished) return;
        finished = true;
        if (count > 0 && !(beforeLast == '\r' && last == '\n')) {
            if (last == '\r') out.write('\n');
            else out.write(new byte[] {'\r', '\n'});
        }
        out.write(new byte[] {'.', '\r', '\n'});
        out.flush();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }
}
