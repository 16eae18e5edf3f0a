package dev.tempfail.intake;

import dev.tempfail.tls.ServerTls;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Gives the few replies that SubEtha's session loop writes itself (an unknown command, a
 * bare CR or LF in a command, a line too long, too many connections, a timeout) the
 * standard code and an RFC 3463 enhanced status code, like every reply of ours.
 *
 * <p>Those replies are hard-coded inside SubEtha's final {@code Session} class, so we
 * rewrite them on the way out, through the one hook SubEtha offers on the connection: the
 * server socket it accepts from. Our own commands already answer in the standard form and
 * pass through untouched. Once TLS is on, the rewriting moves above the TLS layer
 * ({@link TlsSocket}): the plain socket below then carries TLS records untouched.
 */
final class StandardReplies {
    static final Map<String, String> EXACT = Map.of(
            "500 Error: command not implemented", "500 5.5.2 Error: command not recognized",
            "500 Error: bad syntax", "500 5.5.2 Error: bad syntax",
            "501 Input line length is too long!", "500 5.5.2 Error: line too long",
            "501 Syntax error: invalid character encoding.", "500 5.5.2 Error: invalid UTF-8 in command",
            "421 Too many connections, try again later", "421 4.7.0 Too many connections, try again later",
            "421 Timeout waiting for data from client.", "421 4.4.2 Error: timeout exceeded");
    static final String BARE_LINE_ENDING = "501 Syntax error at character position";

    private StandardReplies() {}

    static String rewrite(String line) {
        String fixed = EXACT.get(line);
        if (fixed != null) return fixed;
        if (line.startsWith(BARE_LINE_ENDING)) return "500 5.5.2 Error: bare <CR> or <LF> in command; lines must end with <CR><LF>";
        return line;
    }

    /** A server socket whose accepted connections rewrite SubEtha's own replies. */
    static ServerSocket serverSocket() throws IOException {
        return new ServerSocket() {
            @Override
            public Socket accept() throws IOException {
                Socket s = new RewritingSocket();
                implAccept(s);
                return s;
            }
        };
    }

    /** As {@link #serverSocket()}, for a listener whose connections speak TLS from the first byte. */
    static ServerSocket tlsServerSocket(ServerTls tls) throws IOException {
        return new ServerSocket() {
            @Override
            public Socket accept() throws IOException {
                RewritingSocket s = new RewritingSocket();
                implAccept(s);
                return startTls(s, tls); // no handshake here: it runs in the session's thread, not the acceptor's
            }
        };
    }

    /** The connection with TLS layered on it, replies rewritten above the TLS layer. */
    static TlsSocket startTls(Socket plain, ServerTls tls) throws IOException {
        if (plain instanceof RewritingSocket r) r.plainBelowTls = true;
        return new TlsSocket(tls.wrap(plain));
    }

    static OutputStream rewriting(OutputStream out) {
        return new ReplyLines(out);
    }

    private static final class RewritingSocket extends Socket {
        private OutputStream out;
        private volatile boolean plainBelowTls;

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (plainBelowTls) return super.getOutputStream();
            if (out == null) out = new ReplyLines(super.getOutputStream());
            return out;
        }
    }

    /**
     * Passes bytes through line by line, rewriting whole reply lines that need it, and sends
     * them at the flush that SubEtha makes after every reply: a reply of several lines (EHLO's)
     * goes out in one write, not a write (and a TCP segment) per line.
     */
    private static final class ReplyLines extends FilterOutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private final ByteArrayOutputStream reply = new ByteArrayOutputStream(512);

        ReplyLines(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            line.write(b);
            if (b == '\n') emitLine();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        @Override
        public void flush() throws IOException {
            line.writeTo(reply); // a partial line: passed on as it is
            line.reset();
            if (reply.size() > 0) {
                reply.writeTo(out);
                reply.reset();
            }
            out.flush();
        }

        private void emitLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            String body = text.endsWith("\r\n") ? text.substring(0, text.length() - 2) : text;
            String fixed = rewrite(body);
            reply.writeBytes((fixed == body ? text : fixed + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
