package dev.tempfail.route;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The next hops of a destination, cut to {@code delivery.mx_address_limit} with both address families kept. */
final class AddressLimit {
    private final int limit;

    AddressLimit(int limit) {
        this.limit = limit;
    }

    /** Next hops for hosts in order of preference: duplicates dropped, then cut to the address limit. */
    List<NextHop> hops(List<HostAddresses> hosts, int port) {
        List<NextHop> all = new ArrayList<>();
        Set<InetAddress> seen = new LinkedHashSet<>();
        for (HostAddresses h : hosts) {
            for (InetAddress address : h.addresses()) {
                if (seen.add(address)) all.add(new NextHop(h.host(), new InetSocketAddress(address, port)));
            }
        }
        return limit(all, limit);
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
}
