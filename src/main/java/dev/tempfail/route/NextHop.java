package dev.tempfail.route;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One address to connect to.
 *
 * @param hostName the name the address was found under: the MX host, the route or smarthost host
 *                 (as configured, which may be an IP literal), the domain itself for an implicit MX,
 *                 or the IP address of an address literal. Lower case, no trailing dot. This is the
 *                 name to log, to quote as Remote-MTA, and to check a TLS certificate against.
 * @param address  a resolved address and the port (never unresolved: connecting needs no DNS)
 */
public record NextHop(String hostName, InetSocketAddress address) {
    public NextHop {
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) throw new IllegalArgumentException("unresolved address " + address);
    }

    @Override
    public String toString() {
        String ip = address.getAddress().getHostAddress();
        return hostName + "[" + ip + "]:" + address.getPort();
    }
}
