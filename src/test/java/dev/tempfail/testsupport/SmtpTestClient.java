package dev.tempfail.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately plain SMTP client for tests: it writes exactly the bytes it is given (so
 * tests can send bare LFs, pipelined commands or half a message) and reads whole replies.
 */
public final class SmtpTestClient implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private SmtpTestClient(Socket socket) throws IOException {
        use(socket);
    }

    private void use(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(10_000);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects with TLS from the first byte (an implicit-TLS listener), trusting any certificate. */
    public static SmtpTestClient connectTls(int port) throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustingAnyCertificate().getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        return new SmtpTestClient(s);
    }

    /**
     * After the server's 220 to STARTTLS: the handshake (trusting any certificate), then the
     * session goes on over TLS. Whatever was buffered from the plain connection is dropped.
     */
    public SSLSession startTls() throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustingAnyCertificate().getSocketFactory()
                .createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        use(s);
        return s.getSession();
    }

    /** STARTTLS (expecting 220), the handshake, and EHLO again; returns the new EHLO reply. */
    public String upgrade() throws IOException {
        expect(command("STARTTLS"), "220");
        startTls();
        return command("EHLO client.test");
    }

    public static SmtpTestClient connect(int port) throws IOException {
        return connect("127.0.0.1", port);
    }

    /** Connects from a chosen local loopback address, e.g. 127.0.0.2, to test relay access. */
    public static SmtpTestClient connect(String localAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new SmtpTestClient(s);
    }

    /** Waits up to {@code limit} for each read from now on (10 s by default), for a server with much to do. */
    public SmtpTestClient readTimeout(java.time.Duration limit) throws IOException {
        socket.setSoTimeout((int) limit.toMillis());
        return this;
    }

    /** Reads one reply, all its lines joined by "\n" (e.g. "250-a\n250 b"). */
    public String reply() throws IOException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            String line = line();
            if (line == null) throw new IOException("connection closed; reply so far: " + reply);
            if (reply.length() > 0) reply.append('\n');
            reply.append(line);
            if (line.length() < 4 || line.charAt(3) != '-') return reply.toString();
        }
    }

    /** Sends one command line (CRLF added) and returns its reply. */
    public String command(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    public void send(String raw) throws IOException {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    public void sendBytes(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** Connects, reads the 220 greeting and says EHLO client.test: a session ready for MAIL. */
    public static SmtpTestClient greeted(int port) throws IOException {
        return greeted("127.0.0.1", port);
    }

    /** As {@link #greeted(int)}, from a chosen local loopback address. */
    public static SmtpTestClient greeted(String localAddress, int port) throws IOException {
        SmtpTestClient c = connect(localAddress, port);
        c.greet();
        return c;
    }

    /** Reads the 220 greeting and says EHLO client.test; returns the EHLO reply. */
    public String greet() throws IOException {
        return greet("client.test");
    }

    /** Reads the 220 greeting and says EHLO {@code name}; returns the EHLO reply. */
    public String greet(String name) throws IOException {
        expect(reply(), "220");
        String ehlo = command("EHLO " + name);
        expect(ehlo, "250");
        return ehlo;
    }

    /** The queue id a {@code 250 2.0.0 Ok: queued as ID} reply ends with. */
    public static String queueId(String reply) {
        return reply.substring(reply.lastIndexOf(' ') + 1);
    }

    /** One message in a session of its own ({@link #sendMail(String, List, String)}); returns the final reply. */
    public static String sendMail(int port, String from, List<String> to, String content) throws IOException {
        return sendMail("127.0.0.1", port, from, to, content);
    }

    /** As {@link #sendMail(int, String, List, String)}, from a chosen local loopback address. */
    public static String sendMail(String localAddress, int port, String from, List<String> to, String content)
            throws IOException {
        try (SmtpTestClient c = connect(localAddress, port)) {
            return c.sendMail(from, to, content);
        }
    }

    /** As {@link #sendMail(int, String, List, String)}, expecting a 250; returns the queue id. */
    public static String queued(int port, String from, List<String> to, String content) throws IOException {
        String reply = sendMail(port, from, to, content);
        expect(reply, "250 ");
        return queueId(reply);
    }

    /** EHLO, then {@link #transaction}; returns the final reply. */
    public String sendMail(String from, List<String> to, String content) throws IOException {
        greet();
        return transaction(from, to, content);
    }

    /** {@link #startData}, the content (which must end with CRLF) and the dot; returns the final reply. */
    public String transaction(String from, List<String> to, String content) throws IOException {
        startData(from, to);
        send(content + ".\r\n");
        return reply();
    }

    /** MAIL, each RCPT and DATA, each expecting success: the server then reads the content. */
    public void startData(String from, List<String> to) throws IOException {
        expect(command("MAIL FROM:<" + from + ">"), "250");
        for (String rcpt : to) expect(command("RCPT TO:<" + rcpt + ">"), "250");
        expect(command("DATA"), "354");
    }

    /** True once the server has closed the connection (reads EOF). */
    public boolean isClosedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) throw new IOException("expected " + code + " but got: " + reply);
    }

    private String line() throws IOException {
        return readLine(in);
    }

    /** The next line from {@code in} without its CRLF (or LF), or null at end of input. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
