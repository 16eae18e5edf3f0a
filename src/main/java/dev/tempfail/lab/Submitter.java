package dev.tempfail.lab;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's own small SMTP client for handing test messages to the relay, as an application
 * would: one connection, one transaction per message, replies read whole. Messages are plain
 * 7-bit text with CRLF line ends (the caller's job), dot-stuffed here.
 */
final class Submitter implements AutoCloseable {
    private static final Pattern QUEUE_ID = Pattern.compile("queued as ([0-9A-Za-z]+)");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** Thrown when the relay refuses something: the lab run then failed in the relay, not in delivery. */
    static final class Refused extends IOException {
        Refused(String what, String reply) {
            super(what + " refused: " + reply);
        }
    }

    Submitter(InetSocketAddress relay, int timeoutMs) throws IOException {
        socket = new Socket();
        socket.connect(relay, timeoutMs);
        socket.setSoTimeout(timeoutMs);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        expect("greeting", reply(), '2');
        expect("EHLO", command("EHLO lab.submitter"), '2');
    }

    /** Sends one message; returns the relay's queue id from {@code 250 ... queued as ID}. */
    String send(String sender, String recipient, String content) throws IOException {
        expect("MAIL", command("MAIL FROM:<" + sender + ">"), '2');
        expect("RCPT", command("RCPT TO:<" + recipient + ">"), '2');
        expect("DATA", command("DATA"), '3');
        StringBuilder b = new StringBuilder();
        for (String line : content.split("\r\n", -1)) b.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        if (content.endsWith("\r\n")) b.setLength(b.length() - 2);
        out.write(b.append(".\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        String done = reply();
        expect("message", done, '2');
        Matcher m = QUEUE_ID.matcher(done);
        if (!m.find()) throw new Refused("message", "no queue id in " + done);
        return m.group(1);
    }

    private String command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return reply();
    }

    private static void expect(String what, String reply, char cls) throws Refused {
        if (reply.isEmpty() || reply.charAt(0) != cls) throw new Refused(what, reply);
    }

    /** One reply, its lines joined by newlines. */
    private String reply() throws IOException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') if (b != '\r') line.write(b);
            if (b < 0) throw new IOException("the relay closed the connection; reply so far: " + reply);
            String l = line.toString(StandardCharsets.UTF_8);
            if (reply.length() > 0) reply.append('\n');
            reply.append(l);
            if (l.length() < 4 || l.charAt(3) != '-') return reply.toString();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException ignored) {
            // closing anyway
        }
        socket.close();
    }
}
