package dev.tempfail.route;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** What the A and AAAA questions for one name found. */
record HostLookup(List<InetAddress> v4, List<InetAddress> v6, boolean nxdomain, String failure) {
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
