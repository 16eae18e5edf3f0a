package dev.tempfail.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Outbound delivery: where mail goes and how many connections carry it. */
public record DeliveryConfig(Optional<HostPort> smarthost, Map<String, HostPort> routes, int workers,
                             int perDestination, List<HostPort> dnsServers) {

    static DeliveryConfig from(Settings s) {
        return new DeliveryConfig(
                s.optionalHostPort("delivery.smarthost", 25),
                s.map("delivery.routes", v -> HostPort.parse(v, 25)),
                s.integer("delivery.workers", 1, 10_000),
                s.integer("delivery.per_destination", 1, 10_000),
                s.list("delivery.dns_servers", v -> HostPort.parse(v, 53)));
    }
}
