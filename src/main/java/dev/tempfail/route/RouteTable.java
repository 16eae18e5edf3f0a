package dev.tempfail.route;

import dev.tempfail.config.HostPort;

import java.util.HashMap;
import java.util.Map;

/** {@code delivery.routes}: the next hop configured for a domain or one of its parent domains. */
final class RouteTable {
    private final Map<String, HostPort> routes;

    RouteTable(Map<String, HostPort> configured) {
        Map<String, HostPort> normalized = new HashMap<>();
        configured.forEach((domain, hop) -> normalized.put(DomainNames.normalize(domain), hop));
        this.routes = Map.copyOf(normalized);
    }

    /** The route for the (normalized) domain itself, else for its longest parent domain that has one; null if none. */
    Map.Entry<String, HostPort> find(String domain) {
        HostPort exact = routes.get(domain);
        if (exact != null) return Map.entry(domain, exact);
        if (domain.startsWith("[")) return null;
        for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
            String parent = domain.substring(dot + 1);
            HostPort hop = routes.get(parent);
            if (hop != null) return Map.entry(parent, hop);
        }
        return null;
    }
}
