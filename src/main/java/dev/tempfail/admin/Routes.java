package dev.tempfail.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The admin surface's routing table: endpoints by method and path (a path may name parts as
 * {@code {id}}), answering 404 for an unknown path and 405 (with {@code Allow}) for a known path
 * and another method, and turning an endpoint's {@link AdminResponse.Failure} into an error
 * reply. {@link AdminServer} serves it over HTTP; the CLI runs the same table in-process on the
 * queue database when no relay answers, so both give the same JSON and do the same things.
 */
public final class Routes {
    private static final Logger log = LoggerFactory.getLogger("tempfail/admin");

    private record Route(String method, String[] segments, Endpoint endpoint, boolean open) {
        Optional<Map<String, String>> match(String[] path) {
            if (path.length != segments.length) return Optional.empty();
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < path.length; i++) {
                String s = segments[i];
                if (s.startsWith("{") && s.endsWith("}")) {
                    if (path[i].isEmpty()) return Optional.empty();
                    params.put(s.substring(1, s.length() - 1), URLDecoder.decode(path[i], StandardCharsets.UTF_8));
                } else if (!s.equals(path[i])) {
                    return Optional.empty();
                }
            }
            return Optional.of(params);
        }
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** Registers a GET endpoint that needs the token (when one is set). */
    public Routes get(String path, Endpoint endpoint) {
        return add("GET", path, endpoint, false);
    }

    /** Registers a POST endpoint (an action) that needs the token (when one is set). */
    public Routes post(String path, Endpoint endpoint) {
        return add("POST", path, endpoint, false);
    }

    /** Registers an endpoint that answers without the token: for what holds no queue data (static files, health). */
    public Routes open(String method, String path, Endpoint endpoint) {
        return add(method, path, endpoint, true);
    }

    private Routes add(String method, String path, Endpoint endpoint, boolean open) {
        routes.add(new Route(method, split(path), endpoint, open));
        return this;
    }

    /**
     * Answers one request.
     *
     * @param authorised whether the caller showed the token (or none is needed)
     */
    public AdminResponse dispatch(String method, String path, String rawQuery, byte[] body, String from, boolean authorised) {
        String lookup = method.equals("HEAD") ? "GET" : method;
        String[] segments = split(path);
        List<String> allowed = new ArrayList<>();
        try {
            for (Route r : routes) {
                Optional<Map<String, String>> params = r.match(segments);
                if (params.isEmpty()) continue;
                if (!r.method().equals(lookup)) {
                    allowed.add(r.method());
                    continue;
                }
                if (!r.open() && !authorised) {
                    return AdminResponse.error(401, "this admin API needs the admin.token: Authorization: Bearer <token>")
                            .withHeader("WWW-Authenticate", "Bearer realm=\"tempfail\"");
                }
                return r.endpoint().handle(new AdminRequest(method, path, params.get(), query(rawQuery), body, from));
            }
        } catch (AdminResponse.Failure f) {
            return AdminResponse.error(f.status(), f.getMessage());
        } catch (Exception e) {
            log.error("admin API {} {} failed: {}", method, path, e.toString());
            return AdminResponse.error(500, e.toString());
        }
        if (!allowed.isEmpty()) {
            return AdminResponse.error(405, "use " + String.join(" or ", allowed)).withHeader("Allow", String.join(", ", allowed));
        }
        return AdminResponse.error(404, "no such endpoint: " + path + " (the API is described at /api/openapi.json)");
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
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
}
