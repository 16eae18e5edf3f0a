package dev.tempfail.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tempfail.config.HostPort;
import dev.tempfail.queue.QueueReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The local HTTP admin API. Read-only for now:
 * <ul>
 *   <li>{@code GET /api/queue?limit=N} — the queue listing, as {@code tempfail queue list --json} prints it;</li>
 *   <li>{@code GET /api/queue/<queue id>} — one message, as {@code tempfail queue show --json} prints it;</li>
 *   <li>{@code GET /api/destinations} — the destinations being throttled (paused, fewer connections, an hourly cap).</li>
 * </ul>
 * It binds to {@code admin.listen} (loopback by default) and has no authentication: keep it there.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("admin");
    static final int DEFAULT_LIMIT = 1000;

    private final HttpServer http;

    public AdminServer(HostPort listen, QueueReader reader) throws IOException {
        http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/api/queue", exchange -> handle(exchange, () -> queue(exchange, reader)));
        http.createContext("/api/destinations", exchange -> handle(exchange, () -> exchange.getRequestMethod().equals("GET")
                ? new Response(200, reader.throttles()) : new Response(405, Map.of("error", "use GET"))));
    }

    public void start() {
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private record Response(int status, Object body) {}

    private interface Handler {
        Response handle() throws SQLException;
    }

    private static Response queue(HttpExchange exchange, QueueReader reader) throws SQLException {
        if (!exchange.getRequestMethod().equals("GET")) return new Response(405, Map.of("error", "use GET"));
        String path = exchange.getRequestURI().getPath();
        String rest = path.substring("/api/queue".length());
        if (rest.isEmpty() || rest.equals("/")) {
            return new Response(200, reader.list(limit(exchange.getRequestURI().getQuery())));
        }
        String queueId = rest.substring(1);
        return reader.show(queueId)
                .map(m -> new Response(200, m))
                .orElseGet(() -> new Response(404, Map.of("error", "no message " + queueId + " in the queue")));
    }

    private static int limit(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.matches("limit=[0-9]{1,7}")) return Integer.parseInt(part.substring(6));
            }
        }
        return DEFAULT_LIMIT;
    }

    private static void handle(HttpExchange exchange, Handler handler) throws IOException {
        Response response;
        try {
            response = handler.handle();
        } catch (SQLException | RuntimeException e) {
            log.error("admin API {} failed: {}", exchange.getRequestURI(), e.toString());
            response = new Response(500, Map.of("error", e.toString()));
        }
        byte[] body = (Json.write(response.body()) + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(response.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
}
