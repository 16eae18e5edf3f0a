package dev.tempfail.route;

import org.xbill.DNS.Address;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/** A domain that is an address literal, {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]} (RFC 5321 §4.1.3). */
final class AddressLiterals {
    private AddressLiterals() {}

    /** That address, on the MX port; 5.1.2 if it is not a valid literal. */
    static RouteResult route(String domain, int mxPort) {
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
}
