package dev.tempfail.route;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.hosts.HostsFileParser;

import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Decides where the mail for one domain goes. See the package comment for the order of the
 * checks; {@link #route(String)} is the one entry point. The work is done by {@link RouteTable}
 * ({@code delivery.routes}), {@link ConfiguredHosts} (route and smarthost hosts),
 * {@link AddressLiterals}, {@link MxRouting} (MX, implicit and null MX) with {@link HostResolver}
 * and {@link AddressLimit} (the address limit, both families kept).
 *
 * <p>Status codes, RFC 3463:
 * <ul>
 *   <li>{@code 5.1.2} the domain does not exist (NXDOMAIN), has neither MX nor A/AAAA records,
 *       or is not a valid domain name or address literal;</li>
 *   <li>{@code 5.1.10} the domain has a null MX (RFC 7505): it accepts no mail;</li>
 *   <li>{@code 5.4.4} it has MX records, but every MX host name is known not to exist or to have
 *       no address (as Postfix, whose {@code smtp_defer_if_no_mx_address_found} is off by default);</li>
 *   <li>{@code 4.4.3} a DNS question went unanswered (timeout, SERVFAIL, network error), so
 *       nothing is final yet — this includes MX hosts none of which resolved when at least one of
 *       them failed that way;</li>
 *   <li>{@code 4.3.5} a host named in our own configuration (a route or the smarthost) does not
 *       resolve: an operator has to fix it, and the mail waits rather than bounces.</li>
 * </ul>
 *
 * <p>Thread-safe: delivery workers may share one router. The random generator is only used under
 * a lock, so any {@link RandomGenerator} will do.
 */
public final class Router {
    /** Postfix's {@code smtp_mx_address_limit}; the default of {@code delivery.mx_address_limit}. */
    public static final int DEFAULT_MX_ADDRESS_LIMIT = 5;
    private static final Logger log = LoggerFactory.getLogger("tempfail/route");

    private final RouteTable routes;
    private final Optional<HostPort> smarthost;
    private final int mxPort;
    private final ConfiguredHosts configured;
    private final MxRouting mx;

    /** A router for {@code config}; {@code random} orders MX hosts of equal preference. */
    public Router(DeliveryConfig config, RandomGenerator random) {
        this(config, random, new HostsFileParser());
    }

    /** As above, with the hosts file that route and smarthost names are first looked up in. */
    Router(DeliveryConfig config, RandomGenerator random, HostsFileParser hostsFile) {
        this.routes = new RouteTable(config.routes());
        this.smarthost = config.smarthost();
        this.mxPort = config.mxPort();
        Dns dns = Dns.forConfig(config);
        HostResolver resolver = new HostResolver(dns);
        AddressLimit limit = new AddressLimit(config.mxAddressLimit());
        this.configured = new ConfiguredHosts(resolver, hostsFile, limit);
        this.mx = new MxRouting(dns, resolver, limit, random, mxPort);
    }

    /**
     * Where mail for {@code domain} (the part of an address after the {@code @}) goes. Blocks for
     * the DNS questions it needs, about {@code delivery.dns_timeout} at most for each of the (at
     * most three) rounds: MX, then the addresses of the MX hosts, asked all at once.
     */
    public RouteResult route(String domain) {
        RouteResult result = decide(DomainNames.normalize(domain));
        if (log.isDebugEnabled()) log.debug("route {}: {}", domain, result);
        return result;
    }

    /**
     * The {@code delivery.routes} key (as configured, lower case) whose route carries mail for
     * {@code domain}, if one does: what a route's own settings, such as its TLS policy, are kept under.
     */
    public Optional<String> routeKey(String domain) {
        return Optional.ofNullable(routes.find(DomainNames.normalize(domain))).map(Map.Entry::getKey);
    }

    private RouteResult decide(String domain) {
        if (domain.isEmpty()) return new RouteResult.PermanentFailure("5.1.2", "empty domain");
        Map.Entry<String, HostPort> route = routes.find(domain);
        if (route != null) {
            return configured.route(Via.ROUTE, route.getValue(), "delivery.routes entry " + route.getKey());
        }
        if (smarthost.isPresent()) return configured.route(Via.SMARTHOST, smarthost.get(), "delivery.smarthost");
        if (domain.startsWith("[")) return AddressLiterals.route(domain, mxPort);
        return mx.route(domain);
    }
}
