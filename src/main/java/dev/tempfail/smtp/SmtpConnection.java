package dev.tempfail.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tempfail.tls.TlsVersions;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One TCP connection to one host, optionally upgraded to TLS: writes command lines and message
 * content, reads (multi-line) replies, and enforces a timeout on every read and write.
 */
final class SmtpConnection implements Closeable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtp");
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_LINES = 1000;
    private static final byte[] CRLF = {'\r', '\n'};

    private final Target target;
    private final Socket tcp;
    private Socket socket;
    private InputStream in;
    private DeadlineOutputStream deadlineOut;
    private OutputStream out;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;
    private String tlsCipher;
    private boolean verified;
    /** Transactions begun on this connection, across the deliveries that reused it. */
    private int transactions;

    private SmtpConnection(Target target, Socket tcp) throws IOException {
        this.target = target;
        this.tcp = tcp;
        use(tcp);
    }

    static SmtpConnection open(Target target, Duration connectTimeout) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(target.address(), (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis())));
            s.setTcpNoDelay(true);
            return new SmtpConnection(target, s);
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    Target target() { return target; }

    boolean tls() { return tlsCipher != null; }

    /** The certificate was checked (chain and name), not only used. */
    boolean verified() { return verified; }

    String tlsCipher() { return tlsCipher; }

    /** Queues a command line; it goes out at the next {@link #flush}. */
    void send(String command, Duration timeout) throws IOException {
        log.debug("{} > {}", target, command);
        deadlineOut.limit(timeout, "sending " + verb(command));
        out.write(command.getBytes(StandardCharsets.UTF_8));
        out.write(CRLF);
    }

    void flush(Duration timeout) throws IOException {
        deadlineOut.limit(timeout, "sending commands");
        out.flush();
    }

    /** Sends the content dot-stuffed and terminated; each block write is bounded by {@code blockTimeout}. */
    void sendContent(InputStream content, Duration blockTimeout) throws IOException, LocalContentException {
        deadlineOut.limit(blockTimeout, "sending the message content");
        DotStuffingOutputStream data = new DotStuffingOutputStream(out);
        byte[] chunk = new byte[16 * 1024];
        while (true) {
            int n;
            try {
                n = content.read(chunk);
            } catch (IOException e) {
                throw new LocalContentException(e);
            }
            if (n < 0) break;
            data.write(chunk, 0, n);
        }
        data.finish();
        log.debug("{} > (message content) .", target);
    }

    /**
     * Reads one reply, all its lines, within {@code timeout} in total.
     *
     * @param waitingFor what the reply answers, for the timeout message: {@code "waiting for the reply to RCPT TO"}
     */
    SmtpReply readReply(Duration timeout, String waitingFor) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine(deadline, timeout, waitingFor);
            if (line.length() < 3 || !isDigits(line, 3)) {
                throw new SmtpProtocolException("malformed reply line " + quote(line) + " " + waitingFor.replace("waiting for ", "as "));
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (c < 200 || c > 599) throw new SmtpProtocolException("reply code out of range: " + quote(line));
            if (code < 0) code = c;
            char sep = line.length() > 3 ? line.charAt(3) : ' ';
            if (sep != ' ' && sep != '-') throw new SmtpProtocolException("malformed reply line " + quote(line));
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (sep == ' ') break;
            if (lines.size() >= MAX_LINES) throw new SmtpProtocolException("reply has more than " + MAX_LINES + " lines");
        }
        SmtpReply reply = SmtpReply.of(code, lines);
        if (log.isDebugEnabled()) log.debug("{} < {}", target, reply);
        return reply;
    }

    /** Bytes the server sent that have not been read yet (none are allowed after 220 to STARTTLS). */
    boolean hasUnreadInput() {
        return pos < lim;
    }

    /**
     * Starts TLS on this connection (after the server's 220 to STARTTLS). With {@code verify},
     * the chain must lead to one of {@code trust}'s anchors (null: the JDK's) and the
     * certificate must name the host (RFC 6125, as HTTPS checks it); otherwise any certificate
     * is accepted: opportunistic TLS protects against passive listening only.
     */
    void startTls(Duration timeout, boolean verify, SSLContext trust) throws IOException {
        if (hasUnreadInput()) throw new SmtpProtocolException("the server sent data after its 220 to STARTTLS");
        out.flush();
        SSLContext ctx;
        try {
            ctx = !verify ? OPPORTUNISTIC : trust != null ? trust : SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            throw new IOException("no default TLS context: " + e.getMessage(), e);
        }
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory()
                .createSocket(tcp, target.hostName(), target.address().getPort(), true);
        ssl.setUseClientMode(true);
        TlsVersions.restrict(ssl);
        if (verify) {
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(p);
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> alarm = DeadlineOutputStream.alarm(timeout, () -> {
            timedOut.set(true);
            closeQuietly(tcp);
        });
        try {
            ssl.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            ssl.startHandshake();
        } catch (IOException e) {
            if (timedOut.get() || e instanceof SocketTimeoutException) {
                throw new SmtpTimeoutException(timeout, "in the TLS handshake");
            }
            throw e;
        } finally {
            alarm.cancel(false);
        }
        SSLSession session = ssl.getSession();
        tlsCipher = session.getProtocol() + " " + session.getCipherSuite();
        verified = verify;
        use(ssl);
        log.debug("{} TLS started: {}", target, tlsCipher);
    }

    /** Says QUIT without waiting for the reply, and closes. */
    void quit(Duration timeout) {
        try {
            send("QUIT", timeout);
            flush(timeout);
        } catch (IOException | RuntimeException e) {
            log.debug("{} QUIT failed: {}", target, e.toString());
        }
        close();
    }

    /**
     * An idle connection is still usable: nothing is left unread, and the server has neither
     * closed it nor said anything since (such as a 421 before it hangs up).
     */
    boolean stillIdle() {
        if (pos != lim) return false;
        try {
            socket.setSoTimeout(1);
            return in.read(buf, 0, buf.length) == 0; // -1: closed; more than 0: it spoke while idle
        } catch (SocketTimeoutException quiet) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
        closeQuietly(tcp);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        in = s.getInputStream();
        deadlineOut = new DeadlineOutputStream(s.getOutputStream(), tcp);
        out = new BufferedOutputStream(deadlineOut, 16 * 1024);
        pos = 0;
        lim = 0;
    }

    private String readLine(long deadline, Duration timeout, String waitingFor) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            if (pos == lim) fill(deadline, timeout, waitingFor);
            byte b = buf[pos++];
            if (b == '\n') break;
            if (line.size() >= MAX_LINE) throw new SmtpProtocolException("reply line longer than " + MAX_LINE + " bytes");
            line.write(b);
        }
        byte[] bytes = line.toByteArray();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') len--;
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }

    private void fill(long deadline, Duration timeout, String waitingFor) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new SmtpTimeoutException(timeout, waitingFor);
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, (left + 999_999) / 1_000_000)));
        int n;
        try {
            n = in.read(buf, 0, buf.length);
        } catch (SocketTimeoutException e) {
            throw new SmtpTimeoutException(timeout, waitingFor);
        }
        if (n < 0) throw new EOFException("connection closed by the server " + waitingFor.replace("waiting for", "before"));
        pos = 0;
        lim = n;
    }

    private static boolean isDigits(String s, int n) {
        for (int i = 0; i < n; i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    private static String verb(String command) {
        int colon = command.indexOf(':');
        if (colon > 0 && colon < 10) return command.substring(0, colon);
        int sp = command.indexOf(' ');
        return sp < 0 ? command : command.substring(0, sp);
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }

    static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /** Trusts every certificate: opportunistic TLS, as Postfix's {@code smtp_tls_security_level = may}. */
    /** One more transaction begins on this connection. */
    void countTransaction() {
        transactions++;
    }

    /** Transactions begun on this connection so far, reuses included. */
    int transactions() {
        return transactions;
    }

    private static final SSLContext OPPORTUNISTIC = opportunisticContext();

    private static SSLContext opportunisticContext() {
        TrustManager trustAll = new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustAll}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }
}
