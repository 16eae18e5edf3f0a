package dev.tempfail.route;

import dev.tempfail.config.HostPort;

import java.util.HashMap;
import java.util.Map;

/** {@code delivery.routes}: the next hop configured for a domain or one of its parent domains. */
final class RouteTable {
    /** By normalized domain: the key as configured, and the next hop. */
    private final Map<String, Map.Entry<String, HostPort>> routes;

    RouteTable(Map<String, HostPort> configured) {
        Map<String, Map.Entry<String, HostPort>> normalized = new HashMap<>();
        configured.forEach((domain, hop) -> normalized.put(DomainNames.normalize(domain), Map.entry(domain, hop)));
        this.routes = Map.copyOf(normalized);
    }

    /**
     * The route for the (normalized) domain itself, else for its longest parent domain that has
     * one, as its key in {@code delivery.routes} and its next hop; null if none.
     */
    Map.Entry<String, HostPort> find(String domain) {
        Map.Entry<String, HostPort> exact = routes.get(domain);
        if (exact != null) return exact;
        if (domain.startsWith("[")) return null;
        for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            Map.Entry<String, HostPort> parent = routes.get(domain.substring(dot + 1));
            if (parent != null) return parent;
        }
        return null;
    }
}
