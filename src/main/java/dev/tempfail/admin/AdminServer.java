package dev.tempfail.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tempfail.config.AdminConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin listener ({@code admin.listen}): a small router and nothing else. Each part of the
 * admin surface registers its own endpoints on a method and a path ({@link #get}, {@link #post});
 * a path may name parts as {@code {id}}. The router answers 404 for an unknown path and 405
 * (with {@code Allow}) for a known path and another method, checks the bearer token, and turns
 * an endpoint's {@link AdminResponse.Failure} into an error reply.
 *
 * <p>With {@code admin.token} set, every route needs {@code Authorization: Bearer <token>},
 * except those registered with {@link #open} (the dashboard's static files, health checks):
 * they hold no queue data. Without a token the listener must be on loopback (checked when the
 * configuration is loaded).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("admin");
    private static final int MAX_BODY = 1 << 20;

    private record Route(String method, String[] segments, Endpoint endpoint, boolean open) {
        Optional<Map<String, String>> match(String[] path) {
            if (path.length != segments.length) return Optional.empty();
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < path.length; i++) {
                String s = segments[i];
                if (s.startsWith("{") && s.endsWith("}")) {
                    if (path[i].isEmpty()) return Optional.empty();
                    params.put(s.substring(1, s.length() - 1), path[i]);
                } else if (!s.equals(path[i])) {
                    return Optional.empty();
                }
            }
            return Optional.of(params);
        }
    }

    private final HttpServer http;
    private final ExecutorService executor;
    private final Optional<byte[]> token;
    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** Binds {@code admin.listen} at once, so that a busy port is reported before anything else starts. */
    public AdminServer(AdminConfig config) throws IOException {
        InetSocketAddress address = new InetSocketAddress(config.listen().host(), config.listen().port());
        try {
            http = HttpServer.create(address, 16);
        } catch (BindException e) {
            throw new BindException("admin listener (admin.listen): cannot listen on " + config.listen() + ": " + e.getMessage());
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "admin-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        token = config.token().map(t -> t.getBytes(StandardCharsets.UTF_8));
        http.createContext("/", this::dispatch);
    }

    /** Registers a GET endpoint that needs the token (when one is set). */
    public AdminServer get(String path, Endpoint endpoint) {
        return add("GET", path, endpoint, false);
    }

    /** Registers a POST endpoint (an action) that needs the token (when one is set). */
    public AdminServer post(String path, Endpoint endpoint) {
        return add("POST", path, endpoint, false);
    }

    /** Registers an endpoint that answers without the token: for what holds no queue data. */
    public AdminServer open(String method, String path, Endpoint endpoint) {
        return add(method, path, endpoint, true);
    }

    private AdminServer add(String method, String path, Endpoint endpoint, boolean open) {
        routes.add(new Route(method, split(path), endpoint, open));
        return this;
    }

    public void start() {
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        AdminResponse response;
        try {
            response = route(exchange);
        } catch (AdminResponse.Failure f) {
            response = AdminResponse.error(f.status(), f.getMessage());
        } catch (Exception e) {
            log.error("admin API {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
            response = AdminResponse.error(500, e.toString());
        }
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), head ? -1 : response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) out.write(response.body());
        }
    }

    private AdminResponse route(HttpExchange exchange) throws Exception {
        String method = exchange.getRequestMethod();
        String lookup = method.equals("HEAD") ? "GET" : method;
        String[] path = split(exchange.getRequestURI().getPath());
        List<String> allowed = new ArrayList<>();
        for (Route r : routes) {
            Optional<Map<String, String>> params = r.match(path);
            if (params.isEmpty()) continue;
            if (!r.method().equals(lookup)) {
                allowed.add(r.method());
                continue;
            }
            if (!r.open() && !authorised(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tempfail\"");
                return AdminResponse.error(401, "this admin API needs the admin.token: Authorization: Bearer <token>");
            }
            AdminRequest request = new AdminRequest(method, exchange.getRequestURI().getPath(), params.get(),
                    query(exchange.getRequestURI().getRawQuery()), body(exchange), from(exchange));
            return r.endpoint().handle(request);
        }
        if (!allowed.isEmpty()) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            return AdminResponse.error(405, "use " + String.join(" or ", allowed));
        }
        return AdminResponse.error(404, "no such endpoint: " + exchange.getRequestURI().getPath()
                + " (the API is described at /api/openapi.json)");
    }

    private boolean authorised(HttpExchange exchange) {
        if (token.isEmpty()) return true;
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(token.get(), header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) throw new AdminResponse.Failure(413, "the body is over 1 MB");
            return b;
        }
    }

    private static String from(HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        String agent = exchange.getRequestHeaders().getFirst("User-Agent");
        String who = "http " + remote.getAddress().getHostAddress() + ":" + remote.getPort();
        return agent == null ? who : who + " (" + agent + ")";
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String part : raw.split("&")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return q;
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
