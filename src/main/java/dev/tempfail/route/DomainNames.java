package dev.tempfail.route;

import dev.tempfail.config.HostPort;
import org.xbill.DNS.Address;
import org.xbill.DNS.Name;

import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/** Domain and host names as routing compares them, and IP literals, which never need DNS. */
final class DomainNames {
    private DomainNames() {}

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

    /** A DNS name as a host name: lower case, no trailing dot. */
    static String hostName(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    /** The address of an IPv4 or IPv6 literal; empty for a host name. Never asks DNS. */
    static Optional<InetAddress> ipLiteral(String host) {
        try {
            if (Address.isDottedQuad(host)) return Optional.of(Address.getByAddress(host, Address.IPv4));
            if (host.indexOf(':') >= 0) return Optional.of(Address.getByAddress(host, Address.IPv6));
        } catch (UnknownHostException e) {
            // not a literal
        }
        return Optional.empty();
    }

    static InetSocketAddress literalSocketAddress(HostPort server) {
        InetAddress address = ipLiteral(server.host()).orElseThrow(() ->
                new IllegalArgumentException("DNS server " + server + " is not an IP address"));
        return new InetSocketAddress(address, server.port());
    }
}
