package dev.tempfail.route;

import dev.tempfail.route.Dns.Answer;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A host name's IPv4 and IPv6 addresses, both asked at once. */
final class HostResolver {
    private final Dns dns;

    HostResolver(Dns dns) {
        this.dns = dns;
    }

    /**
     * Asks for A and AAAA at once. Having either is enough: a failed AAAA question does not
     * hold back the IPv4 addresses (nor the other way round).
     */
    CompletableFuture<HostLookup> lookup(Name name) {
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
    HostLookup await(CompletableFuture<HostLookup> lookup) {
        try {
            return lookup.get(dns.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HostLookup(List.of(), List.of(), false, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return new HostLookup(List.of(), List.of(), false, "timed out");
        }
    }

    /** Looks up one name and waits for the answer. */
    HostLookup resolve(Name name) {
        return await(lookup(name));
    }
}
