package dev.tempfail.route;

import dev.tempfail.route.Dns.Answer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * A domain's mail exchangers from DNS: its MX records (equal preferences in random order), its
 * own A/AAAA records as an implicit MX when it has none (RFC 5321 §5.1), or its null MX (RFC 7505).
 */
final class MxRouting {
    /** More MX hosts than this are not looked up (the address limit cuts the list long before). */
    static final int MAX_MX_HOSTS = 20;

    private static final Logger log = LoggerFactory.getLogger("tempfail/route");

    private final Dns dns;
    private final HostResolver resolver;
    private final AddressLimit limit;
    private final RandomGenerator random;
    private final int mxPort;

    MxRouting(Dns dns, HostResolver resolver, AddressLimit limit, RandomGenerator random, int mxPort) {
        this.dns = dns;
        this.resolver = resolver;
        this.limit = limit;
        this.random = random;
        this.mxPort = mxPort;
    }

    RouteResult route(String domain) {
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
        HostLookup lookup = resolver.resolve(name);
        if (lookup.found()) {
            return new RouteResult.Hosts(Via.IMPLICIT_MX, domain, limit.hops(List.of(lookup.addresses(domain)), mxPort));
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
            if (seen.add(DomainNames.hostName(r.getTarget())) && hosts.size() < MAX_MX_HOSTS) hosts.add(r);
        }

        // Look up every host's A and AAAA records at once, then wait for all of them.
        List<CompletableFuture<HostLookup>> lookups = new ArrayList<>();
        for (MXRecord r : hosts) lookups.add(resolver.lookup(r.getTarget()));
        List<HostLookup> results = new ArrayList<>();
        for (CompletableFuture<HostLookup> lookup : lookups) results.add(resolver.await(lookup));

        List<HostAddresses> resolved = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean temporary = false;
        String destination = null;
        int bestPreference = Integer.MAX_VALUE;
        for (int i = 0; i < hosts.size(); i++) {
            MXRecord r = hosts.get(i);
            String host = DomainNames.hostName(r.getTarget());
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
            return new RouteResult.Hosts(Via.MX, destination, limit.hops(resolved, mxPort));
        }
        // None resolved. Postfix (smtp_defer_if_no_mx_address_found = no, the default): a
        // temporary lookup failure of any host defers; if every host is known not to have an
        // address, the mail bounces with 5.4.4.
        String reason = "no MX host of " + domain + " has an address: " + String.join("; ", problems);
        return temporary
                ? new RouteResult.TemporaryFailure("4.4.3", reason)
                : new RouteResult.PermanentFailure("5.4.4", reason);
    }
}
