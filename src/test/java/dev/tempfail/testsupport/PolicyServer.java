package dev.tempfail.testsupport;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTPS server on 127.0.0.1 that serves one MTA-STS policy at {@code /.well-known/mta-sts.txt}
 * (the JDK's {@code HttpsServer}, with the certificate the test gives), and counts the fetches.
 */
public final class PolicyServer implements AutoCloseable {
    private final HttpsServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String policy;
    private volatile int status = 200;
    private volatile String contentType = "text/plain";

    private PolicyServer(SSLContext tls, String policy) throws IOException {
        this.policy = policy;
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/.well-known/mta-sts.txt", exchange -> {
            fetches.incrementAndGet();
            byte[] body = this.policy.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if (status / 100 == 3) exchange.getResponseHeaders().set("Location", "https://elsewhere.test/policy.txt");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** Serves {@code policy} (the body, as the test writes it) over TLS with {@code tls}. */
    public static PolicyServer start(SSLContext tls, String policy) throws IOException {
        return new PolicyServer(tls, policy);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** How many times the policy was asked for. */
    public int fetches() {
        return fetches.get();
    }

    public PolicyServer policy(String body) {
        this.policy = body;
        return this;
    }

    /** Answers with this status instead (a 3xx with a Location header). */
    public PolicyServer status(int status) {
        this.status = status;
        return this;
    }

    public PolicyServer contentType(String type) {
        this.contentType = type;
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
