package dev.tempfail.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Outbound delivery: where mail goes and how many connections carry it.
 *
 * @param enabled        false: mail is accepted and queued, and nothing is sent
 * @param connectionReuse how long a connection is kept idle for the next message to its host (zero: never)
 * @param dnsServers     resolvers to ask (IP addresses with a port); empty = the system's
 * @param dnsTimeout     how long one DNS question may take, all servers and retries included
 * @param mxAddressLimit how many addresses of a destination are tried in one delivery attempt
 *                       (Postfix's {@code smtp_mx_address_limit})
 * @param mxPort         the port for MX, implicit-MX and address-literal deliveries (25; tests change it)
 * @param destinationsFile the user's own destination profiles, checked before the shipped {@code config/destinations.yaml}
 */
public record DeliveryConfig(boolean enabled, Optional<HostPort> smarthost, Map<String, HostPort> routes, int workers,
                             int perDestination, Duration connectionReuse, List<HostPort> dnsServers, Duration dnsTimeout,
                             int mxAddressLimit, int mxPort, Optional<Path> destinationsFile) {

    static DeliveryConfig from(Settings s) {
        List<HostPort> dnsServers = s.list("delivery.dns_servers", v -> HostPort.parse(v, 53));
        for (HostPort server : dnsServers) {
            if (!isIpLiteral(server.host())) {
                throw s.error("delivery.dns_servers", "must be IP addresses (a resolver is not found by name), got '"
                        + server.host() + "'");
            }
        }
        Duration dnsTimeout = s.duration("delivery.dns_timeout");
        if (dnsTimeout.toMillis() < 100 || dnsTimeout.toSeconds() > 60) {
            throw s.error("delivery.dns_timeout", "must be between 100ms and 60s, got " + dnsTimeout);
        }
        return new DeliveryConfig(
                s.bool("delivery.enabled"),
                s.optionalHostPort("delivery.smarthost", 25),
                routes(s),
                s.integer("delivery.workers", 1, 10_000),
                s.integer("delivery.per_destination", 1, 10_000),
                s.duration("delivery.connection_reuse"),
                dnsServers,
                dnsTimeout,
                s.integer("delivery.mx_address_limit", 1, 100),
                s.integer("delivery.mx_port", 1, 65535),
                s.isNull("delivery.destinations_file") ? Optional.empty() : Optional.of(s.path("delivery.destinations_file")));
    }

    /** The fields a {@code delivery.routes} entry may have besides its host (a string alone is the host). */
    static final List<String> ROUTE_FIELDS = List.of("host", "tls", "tls_ca");

    private static Map<String, HostPort> routes(Settings s) {
        Map<String, HostPort> out = new java.util.LinkedHashMap<>();
        s.table("delivery.routes", "host", ROUTE_FIELDS).forEach((domain, row) -> {
            String key = "delivery.routes." + domain;
            if (row.get("host") == null || row.get("host").isBlank()) throw s.error(key + ".host", "must be a non-empty value");
            out.put(domain, s.parsed(key, row.get("host"), v -> HostPort.parse(v, 25)));
        });
        return Map.copyOf(out);
    }

    /** An IPv4 dotted quad or an IPv6 address, as opposed to a host name. */
    static boolean isIpLiteral(String host) {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || (host.indexOf(':') >= 0 && host.matches("[0-9A-Fa-f:.]+"));
    }
}
