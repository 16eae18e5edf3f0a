package dev.tempfail.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tempfail.config.AdminConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin listener ({@code admin.listen}): serves a {@link Routes} table over HTTP, and
 * nothing else. Each part of the admin surface registers its own endpoints on {@link #routes()}.
 *
 * <p>With {@code admin.token} set, every route needs {@code Authorization: Bearer <token>},
 * except those registered with {@link Routes#open} (the dashboard's static files, health checks):
 * they hold no queue data. Without a token the listener must be on loopback (checked when the
 * configuration is loaded).
 */
public final class AdminServer implements AutoCloseable {
    private static final int MAX_BODY = 1 << 20;

    private final HttpServer http;
    private final ExecutorService executor;
    private final Optional<byte[]> token;
    private final Routes routes = new Routes();

    /** Binds {@code admin.listen} at once, so that a busy port is reported before anything else starts. */
    public AdminServer(AdminConfig config) throws IOException {
        try {
            http = HttpServer.create(new InetSocketAddress(config.listen().host(), config.listen().port()), 16);
        } catch (BindException e) {
            throw new BindException("admin listener (admin.listen " + config.listen() + "): " + e.getMessage());
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        token = config.token().map(t -> t.getBytes(StandardCharsets.UTF_8));
        http.createContext("/", this::serve);
    }

    /** Where the parts of the admin surface register their endpoints. */
    public Routes routes() {
        return routes;
    }

    public void start() {
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        AdminResponse response;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            response = body.length > MAX_BODY ? AdminResponse.error(413, "the body is over 1 MB")
                    : routes.dispatch(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), body, from(exchange), authorised(exchange));
        }
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        for (Map.Entry<String, String> h : response.headers().entrySet()) exchange.getResponseHeaders().set(h.getKey(), h.getValue());
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), head ? -1 : response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) out.write(response.body());
        }
    }

    private boolean authorised(HttpExchange exchange) {
        if (token.isEmpty()) return true;
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(token.get(), header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static String from(HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        String agent = exchange.getRequestHeaders().getFirst("User-Agent");
        String who = "http " + remote.getAddress().getHostAddress() + ":" + remote.getPort();
        return agent == null ? who : who + " (" + agent + ")";
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
