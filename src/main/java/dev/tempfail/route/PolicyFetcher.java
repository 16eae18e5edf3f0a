package dev.tempfail.route;

import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 §3.3): the
 * certificate chain and the name {@code mta-sts.<domain>} checked as HTTPS does, no redirect
 * followed (a 3xx is a failure), the reply bounded in size and time.
 *
 * <p>Why not the JDK's {@code HttpClient}: on Java 17 it resolves host names only through the
 * system resolver, while every other name a delivery needs is asked of {@code delivery.dns_servers}
 * (and tests answer those on loopback). Here the name is resolved by {@link HostResolver}, the
 * socket connects to that address, and TLS is told the name for SNI and the certificate check.
 * The request is HTTP/1.0, so the reply is never chunked: its body ends with Content-Length or
 * with the connection.
 */
final class PolicyFetcher {
    static final String PATH = "/.well-known/mta-sts.txt";
    /** RFC 8461 §3.3: senders may limit the policy to 64 KiB. */
    static final int MAX_BYTES = 64 * 1024;

    private final HostResolver resolver;
    private final int port;
    private final SSLSocketFactory tls;
    private final Duration timeout;

    /**
     * @param port    443, but for tests
     * @param tls     makes the TLS sockets: the trust anchors and protocol versions are the caller's
     * @param timeout for the whole fetch, lookup, connection and reply included
     */
    PolicyFetcher(HostResolver resolver, int port, SSLSocketFactory tls, Duration timeout) {
        this.resolver = resolver;
        this.port = port;
        this.tls = tls;
        this.timeout = timeout;
    }

    /** The policy body; the exception's message says why there is none. */
    String fetch(String domain) throws IOException {
        String host = "mta-sts." + domain;
        long deadline = System.nanoTime() + timeout.toNanos();
        HostLookup lookup;
        try {
            lookup = resolver.resolve(Name.fromString(host, Name.root));
        } catch (TextParseException e) {
            throw new IOException(host + " is not a valid host name");
        }
        if (!lookup.found()) {
            throw new IOException(host + ": " + (lookup.failure() != null ? lookup.failure()
                    : lookup.nxdomain() ? "does not exist (NXDOMAIN)" : "has no A/AAAA records"));
        }
        IOException unreachable = null;
        for (InetAddress address : lookup.addresses(host).addresses()) {
            Socket tcp = new Socket();
            try {
                tcp.connect(new InetSocketAddress(address, port), millisLeft(deadline));
            } catch (IOException e) { // the next address, as a browser would
                tcp.close();
                unreachable = e;
                continue;
            }
            return fetch(host, tcp, deadline);
        }
        throw new IOException("https://" + host + PATH + ": " + describe(unreachable));
    }

    /** The GET over a connected socket, which it closes. */
    private String fetch(String host, Socket connected, long deadline) throws IOException {
        try (Socket tcp = connected) {
            SSLSocket ssl = (SSLSocket) tls.createSocket(tcp, host, port, true);
            ssl.setUseClientMode(true);
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(p);
            ssl.setSoTimeout(millisLeft(deadline));
            ssl.startHandshake();
            OutputStream out = ssl.getOutputStream();
            out.write(("GET " + PATH + " HTTP/1.0\r\nHost: " + host + "\r\nAccept: text/plain\r\n"
                    + "User-Agent: tempfail\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return body(host, read(ssl, deadline));
        } catch (SocketTimeoutException e) {
            throw new IOException("https://" + host + PATH + ": no complete reply within " + timeout.toSeconds() + "s");
        } catch (IOException e) {
            throw new IOException("https://" + host + PATH + ": " + describe(e), e);
        }
    }

    /** The whole reply, at most the header section and {@link #MAX_BYTES} of body. */
    private static byte[] read(SSLSocket ssl, long deadline) throws IOException {
        InputStream in = ssl.getInputStream();
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int limit = MAX_BYTES + 16 * 1024;
        for (int n; (n = in.read(buf)) >= 0; ) {
            reply.write(buf, 0, n);
            if (reply.size() > limit) throw new IOException("the reply is larger than " + MAX_BYTES / 1024 + " KiB");
            ssl.setSoTimeout(millisLeft(deadline));
        }
        return reply.toByteArray();
    }

    /** Status 200, Content-Type text/plain, and the body (cut to Content-Length if given). */
    static String body(String host, byte[] reply) throws IOException {
        String all = new String(reply, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        int skip = 4;
        if (end < 0) {
            end = all.indexOf("\n\n");
            skip = 2;
        }
        if (end < 0) throw new IOException("the reply ended within its headers");
        String[] head = all.substring(0, end).split("\r?\n");
        String[] status = head[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) throw new IOException("not an HTTP reply: " + MtaStsPolicy.clip(head[0]));
        if (!status[1].equals("200")) {
            throw new IOException("HTTP " + MtaStsPolicy.clip(head[0].substring(status[0].length()).strip())
                    + (status[1].startsWith("3") ? " (redirects are not followed)" : ""));
        }
        String type = null;
        Integer length = null;
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            if (colon <= 0) continue;
            String name = head[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = head[i].substring(colon + 1).strip();
            if (name.equals("content-type")) type = value.toLowerCase(Locale.ROOT);
            if (name.equals("transfer-encoding") && !value.equalsIgnoreCase("identity")) {
                throw new IOException("Transfer-Encoding " + MtaStsPolicy.clip(value) + " in a reply to HTTP/1.0");
            }
            if (name.equals("content-length")) {
                if (!value.matches("[0-9]{1,9}")) throw new IOException("bad Content-Length " + MtaStsPolicy.clip(value));
                length = Integer.parseInt(value);
            }
        }
        if (type == null || !(type.equals("text/plain") || type.startsWith("text/plain;"))) {
            throw new IOException("Content-Type is " + (type == null ? "missing" : MtaStsPolicy.clip(type)) + ", not text/plain");
        }
        byte[] body = java.util.Arrays.copyOfRange(reply, end + skip, reply.length);
        if (length != null) {
            if (body.length < length) throw new IOException("the reply ended before its Content-Length");
            body = java.util.Arrays.copyOf(body, length);
        }
        if (body.length > MAX_BYTES) throw new IOException("the policy is larger than " + MAX_BYTES / 1024 + " KiB");
        return new String(body, StandardCharsets.UTF_8);
    }

    private static int millisLeft(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) throw new SocketTimeoutException("time is up");
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
