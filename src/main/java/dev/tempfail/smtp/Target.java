package dev.tempfail.smtp;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One host to try: the name it is known by (the MX name, used for SNI and in messages)
 * and the resolved address and port to connect to.
 */
public record Target(String hostName, InetSocketAddress address) {

    public Target {
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(address, "address");
    }

    /** {@code mx1.example.com[192.0.2.1]:25}, as Postfix writes a host in its logs. */
    @Override
    public String toString() {
        String ip = address.isUnresolved() ? address.getHostString()
                : address.getAddress().getHostAddress();
        return hostName + "[" + ip + "]:" + address.getPort();
    }
}
