package dev.tempfail.route;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.config.HostPort;
import dev.tempfail.route.Dns.Answer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.hosts.HostsFileParser;

import java.io.IOException;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

/**
 * Decides where the mail for one domain goes. See the package comment for the order of the
 * checks; {@link #route(String)} is the one entry point.
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
    /** More MX hosts than this are not looked up (the address limit cuts the list long before). */
    static final int MAX_MX_HOSTS = 20;

    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final Map<String, HostPort> routes;
    private final Optional<HostPort> smarthost;
    private final Dns dns;
    private final RandomGenerator random;
    private final int addressLimit;
    private final int mxPort;
    private final HostsFileParser hostsFile;

    /** A router for {@code config}; {@code random} orders MX hosts of equal preference. */
    public Router(DeliveryConfig config, RandomGenerator random) {
        this(config, random, new HostsFileParser());
    }

    /** As above, with the hosts file that route and smarthost names are first looked up in. */
    Router(DeliveryConfig config, RandomGenerator random, HostsFileParser hostsFile) {
        Map<String, HostPort> normalized = new HashMap<>();
        config.routes().forEach((domain, hop) -> normalized.put(normalize(domain), hop));
        this.routes = Map.copyOf(normalized);
        this.smarthost = config.smarthost();
        List<InetSocketAddress> servers = new ArrayList<>();
        for (HostPort server : config.dnsServers()) servers.add(literalSocketAddress(server));
        this.dns = new Dns(servers, config.dnsTimeout());
        this.random = random;
        this.addressLimit = config.mxAddressLimit();
        this.mxPort = config.mxPort();
        this.hostsFile = hostsFile;
    }

    /**
     * Where mail for {@code domain} (the part of an address after the {@code @}) goes. Blocks for
     * the DNS questions it needs, about {@code delivery.dns_timeout} at most for each of the (at
     * most three) rounds: MX, then the addresses of the MX hosts, asked all at once.
     */
    public RouteResult route(String domain) {
        RouteResult result = decide(normalize(domain));
        if (log.isDebugEnabled()) log.debug("route {}: {}", domain, result);
        return result;
    }

    private RouteResult decide(String domain) {
        if (domain.isEmpty()) return new RouteResult.PermanentFailure("5.1.2", "empty domain");
        Map.Entry<String, HostPort> route = findRoute(domain);
        if (route != null) {
            return configured(Via.ROUTE, route.getValue(), "delivery.routes entry " + route.getKey());
        }
        if (smarthost.isPresent()) return configured(Via.SMARTHOST, smarthost.get(), "delivery.smarthost");
        if (domain.startsWith("[")) return addressLiteral(domain);
        return viaDns(domain);
    }

    /** The route for the domain itself, else for its longest parent domain that has one. */
    private Map.Entry<String, HostPort> findRoute(String domain) {
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

    // ---- configured next hops: routes and the smarthost ----

    /**
     * A host from our own configuration: an IP literal is used as it is; a name is looked up in
     * the hosts file, then in DNS (A and AAAA; no MX lookup, like Postfix's {@code [host]:port}).
     */
    private RouteResult configured(Via via, HostPort hop, String what) {
        String destination = hop.toString();
        String host = hop.host().toLowerCase(Locale.ROOT);
        Optional<InetAddress> literal = ipLiteral(host);
        if (literal.isPresent()) {
            return new RouteResult.Hosts(via, destination,
                    List.of(new NextHop(host, new InetSocketAddress(literal.get(), hop.port()))));
        }
        Name name;
        try {
            name = Name.fromString(host, Name.root);
        } catch (TextParseException e) {
            return new RouteResult.TemporaryFailure("4.3.5", what + ": '" + host + "' is not a valid host name");
        }
        List<InetAddress> fromHostsFile = hostsFileAddresses(name);
        if (!fromHostsFile.isEmpty()) {
            return new RouteResult.Hosts(via, destination, hops(List.of(new HostAddresses(host, fromHostsFile)), hop.port()));
        }
        HostLookup lookup = await(lookupHost(name));
        if (lookup.found()) {
            return new RouteResult.Hosts(via, destination, hops(List.of(lookup.addresses(host)), hop.port()));
        }
        if (lookup.failure() != null) {
            return new RouteResult.TemporaryFailure("4.4.3",
                    "cannot look up " + host + " (" + what + "): " + lookup.failure());
        }
        return new RouteResult.TemporaryFailure("4.3.5", "host " + host + " (" + what + ") "
                + (lookup.nxdomain() ? "does not exist (NXDOMAIN)" : "has no A/AAAA records"));
    }

    private List<InetAddress> hostsFileAddresses(Name name) {
        List<InetAddress> found = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            try {
                hostsFile.getAddressForHost(name, type).ifPresent(found::add);
            } catch (IOException | RuntimeException e) {
                log.debug("hosts file not readable: {}", e.toString());
            }
        }
        return found;
    }

    // ---- address literals ----

    /** {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]} (RFC 5321 §4.1.3): that address, on the MX port. */
    private RouteResult addressLiteral(String domain) {
        String bad = domain + " is not a valid address literal";
        if (!domain.endsWith("]")) return new RouteResult.PermanentFailure("5.1.2", bad);
        String inner = domain.substring(1, domain.length() - 1);
        InetAddress address;
        try {
            if (inner.startsWith("ipv6:")) {
                address = Address.getByAddress(inner.substring(5), Address.IPv6);
            } else if (Address.isDottedQuad(inner)) {
                address = Address.getByAddress(inner, Address.IPv4);
            } else {
                return new RouteResult.PermanentFailure("5.1.2", bad);
            }
        } catch (UnknownHostException e) {
            return new RouteResult.PermanentFailure("5.1.2", bad);
        }
        String ip = address.getHostAddress();
        return new RouteResult.Hosts(Via.ADDRESS_LITERAL, "[" + ip + "]",
                List.of(new NextHop(ip, new InetSocketAddress(address, mxPort))));
    }

    // ---- DNS: MX, implicit MX, null MX ----

    private RouteResult viaDns(String domain) {
        Name name;
        try {
            name = Name.fromString(domain, Name.root);
        } catch (TextParseException e) {
            return new RouteResult.PermanentFailure("5.1.2", "'" + domain + "' is not a valid domain name");
        }
        Answer mx = dns.await(dns.query(name, Type.MX));
        if (mx instanceof Answer.Failed failed) {
            return new RouteResult.TemporaryFailure("4.4.3",
                    "cannot look up the MX records of " + domain + ": " + failed.reason());
        }
        if (mx instanceof Answer.NxDomain) {
            return new RouteResult.PermanentFailure("5.1.2", "domain " + domain + " does not exist (NXDOMAIN)");
        }
        if (mx instanceof Answer.NoData) return implicitMx(domain, name);
        List<MXRecord> records = new ArrayList<>();
        for (Record r : ((Answer.Records) mx).records()) records.add((MXRecord) r);
        return mxHosts(domain, records);
    }

    /** No MX records: the domain itself is the mail exchanger (RFC 5321 §5.1). */
    private RouteResult implicitMx(String domain, Name name) {
        HostLookup lookup = await(lookupHost(name));
        if (lookup.found()) {
            return new RouteResult.Hosts(Via.IMPLICIT_MX, domain, hops(List.of(lookup.addresses(domain)), mxPort));
        }
        if (lookup.failure() != null) {
            return new RouteResult.TemporaryFailure("4.4.3", "domain " + domain
                    + " has no MX records, and its A/AAAA records cannot be looked up: " + lookup.failure());
        }
        return new RouteResult.PermanentFailure("5.1.2", lookup.nxdomain()
                ? "domain " + domain + " does not exist (NXDOMAIN)"
                : "domain " + domain + " has no MX and no A/AAAA records");
    }

    private RouteResult mxHosts(String domain, List<MXRecord> records) {
        // RFC 7505: a single MX whose exchange is "." (preference 0 by the RFC; any is taken).
        // A "." among other MX records is a misconfiguration; it is skipped like any host that
        // does not resolve.
        List<MXRecord> usable = new ArrayList<>();
        for (MXRecord r : records) if (!r.getTarget().equals(Name.root)) usable.add(r);
        if (usable.isEmpty()) {
            return new RouteResult.PermanentFailure("5.1.10",
                    "domain " + domain + " does not accept mail (null MX, RFC 7505)");
        }

        // Shuffle, then sort by preference (the sort is stable): equal preferences end up in random order.
        synchronized (random) {
            for (int i = usable.size() - 1; i > 0; i--) Collections.swap(usable, i, random.nextInt(i + 1));
        }
        usable.sort(Comparator.comparingInt(MXRecord::getPriority));

        // One entry per host name (a host listed twice keeps its best preference).
        Set<String> seen = new LinkedHashSet<>();
        List<MXRecord> hosts = new ArrayList<>();
        for (MXRecord r : usable) {
            if (seen.add(hostName(r.getTarget())) && hosts.size() < MAX_MX_HOSTS) hosts.add(r);
        }

        // Look up every host's A and AAAA records at once, then wait for all of them.
        List<CompletableFuture<HostLookup>> lookups = new ArrayList<>();
        for (MXRecord r : hosts) lookups.add(lookupHost(r.getTarget()));
        List<HostLookup> results = new ArrayList<>();
        for (CompletableFuture<HostLookup> lookup : lookups) results.add(await(lookup));

        List<HostAddresses> resolved = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean temporary = false;
        String destination = null;
        int bestPreference = Integer.MAX_VALUE;
        for (int i = 0; i < hosts.size(); i++) {
            MXRecord r = hosts.get(i);
            String host = hostName(r.getTarget());
            HostLookup lookup = results.get(i);
            if (lookup.found()) {
                resolved.add(lookup.addresses(host));
                if (r.getPriority() < bestPreference
                        || (r.getPriority() == bestPreference && host.compareTo(destination) < 0)) {
                    bestPreference = r.getPriority();
                    destination = host;
                }
            } else if (lookup.failure() != null) {
                temporary = true;
                problems.add(host + ": " + lookup.failure());
            } else {
                problems.add(host + (lookup.nxdomain() ? " does not exist (NXDOMAIN)" : " has no A/AAAA records"));
            }
        }
        if (!resolved.isEmpty()) {
            if (!problems.isEmpty()) log.debug("MX hosts of {} skipped: {}", domain, problems);
            return new RouteResult.Hosts(Via.MX, destination, hops(resolved, mxPort));
        }
        // None resolved. Postfix (smtp_defer_if_no_mx_address_found = no, the default): a
        // temporary lookup failure of any host defers; if every host is known not to have an
        // address, the mail bounces with 5.4.4.
        String reason = "no MX host of " + domain + " has an address: " + String.join("; ", problems);
        return temporary
                ? new RouteResult.TemporaryFailure("4.4.3", reason)
                : new RouteResult.PermanentFailure("5.4.4", reason);
    }

    // ---- host addresses ----

    /** The addresses found for one host name. */
    record HostAddresses(String host, List<InetAddress> addresses) {}

    /** What the A and AAAA questions for one name found. */
    private record HostLookup(List<InetAddress> v4, List<InetAddress> v6, boolean nxdomain, String failure) {
        boolean found() {
            return !v4.isEmpty() || !v6.isEmpty();
        }

        /** IPv4 and IPv6 addresses alternately, IPv4 first, each family in the order received. */
        HostAddresses addresses(String host) {
            List<InetAddress> all = new ArrayList<>();
            for (int i = 0; i < Math.max(v4.size(), v6.size()); i++) {
                if (i < v4.size()) all.add(v4.get(i));
                if (i < v6.size()) all.add(v6.get(i));
            }
            return new HostAddresses(host, all);
        }
    }

    /**
     * Asks for A and AAAA at once. Having either is enough: a failed AAAA question does not
     * hold back the IPv4 addresses (nor the other way round).
     */
    private CompletableFuture<HostLookup> lookupHost(Name name) {
        CompletableFuture<Answer> a = dns.query(name, Type.A);
        CompletableFuture<Answer> aaaa = dns.query(name, Type.AAAA);
        return a.thenCombine(aaaa, (ra, raaaa) -> {
            List<InetAddress> v4 = new ArrayList<>();
            List<InetAddress> v6 = new ArrayList<>();
            if (ra instanceof Answer.Records r) for (Record rec : r.records()) v4.add(((ARecord) rec).getAddress());
            if (raaaa instanceof Answer.Records r) for (Record rec : r.records()) v6.add(((AAAARecord) rec).getAddress());
            String failure = ra instanceof Answer.Failed f ? "A: " + f.reason()
                    : raaaa instanceof Answer.Failed f ? "AAAA: " + f.reason() : null;
            boolean nxdomain = ra instanceof Answer.NxDomain || raaaa instanceof Answer.NxDomain;
            return new HostLookup(v4, v6, nxdomain, failure);
        });
    }

    /**
     * Waits for a lookup. Its questions run at the same time and each ends by the DNS timeout,
     * so this returns about then at the latest; the bound here only guards against a bug.
     */
    private HostLookup await(CompletableFuture<HostLookup> lookup) {
        try {
            return lookup.get(dns.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HostLookup(List.of(), List.of(), false, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return new HostLookup(List.of(), List.of(), false, "timed out");
        }
    }

    /** Next hops for hosts in order of preference: duplicates dropped, then cut to the address limit. */
    private List<NextHop> hops(List<HostAddresses> hosts, int port) {
        List<NextHop> all = new ArrayList<>();
        Set<InetAddress> seen = new LinkedHashSet<>();
        for (HostAddresses h : hosts) {
            for (InetAddress address : h.addresses()) {
                if (seen.add(address)) all.add(new NextHop(h.host(), new InetSocketAddress(address, port)));
            }
        }
        return limit(all, addressLimit);
    }

    /**
     * Keeps at most {@code limit} hops, in order, so that neither address family crowds out the
     * other: when both are present and there are too many, each family keeps at least its share
     * of half the limit (the algorithm of Postfix's {@code smtp_balance_inet_protocols}). A
     * destination that is unreachable over IPv6 from here still gets its IPv4 addresses tried.
     */
    static List<NextHop> limit(List<NextHop> hops, int limit) {
        if (hops.size() <= limit) return List.copyOf(hops);
        int v4 = 0;
        for (NextHop h : hops) if (h.address().getAddress() instanceof Inet4Address) v4++;
        int v6 = hops.size() - v4;
        if (v4 == 0 || v6 == 0) return List.copyOf(hops.subList(0, limit));
        int keep4;
        int keep6;
        if (v6 <= limit / 2) {
            keep6 = v6;
            keep4 = limit - v6;
        } else if (v4 <= limit / 2) {
            keep4 = v4;
            keep6 = limit - v4;
        } else {
            // Both have more than half: split evenly, the odd one out to the family listed first.
            boolean firstIs4 = hops.get(0).address().getAddress() instanceof Inet4Address;
            keep4 = (limit + (firstIs4 ? 1 : 0)) / 2;
            keep6 = limit - keep4;
        }
        List<NextHop> kept = new ArrayList<>();
        for (NextHop h : hops) {
            if (h.address().getAddress() instanceof Inet4Address) {
                if (keep4-- > 0) kept.add(h);
            } else if (keep6-- > 0) {
                kept.add(h);
            }
        }
        return List.copyOf(kept);
    }

    // ---- names ----

    /** Lower case, no trailing dot, internationalized labels in their ASCII (A-label) form. */
    static String normalize(String domain) {
        String d = domain.trim().toLowerCase(Locale.ROOT);
        while (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        if (!d.startsWith("[")) {
            try {
                d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                // Left as it is; the DNS lookup will say what is wrong with it.
            }
        }
        return d;
    }

    private static String hostName(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    /** The address of an IPv4 or IPv6 literal; empty for a host name. Never asks DNS. */
    private static Optional<InetAddress> ipLiteral(String host) {
        try {
            if (Address.isDottedQuad(host)) return Optional.of(Address.getByAddress(host, Address.IPv4));
            if (host.indexOf(':') >= 0) return Optional.of(Address.getByAddress(host, Address.IPv6));
        } catch (UnknownHostException e) {
            // not a literal
        }
        return Optional.empty();
    }

    private static InetSocketAddress literalSocketAddress(HostPort server) {
        InetAddress address = ipLiteral(server.host()).orElseThrow(() ->
                new IllegalArgumentException("DNS server " + server + " is not an IP address"));
        return new InetSocketAddress(address, server.port());
    }
}
