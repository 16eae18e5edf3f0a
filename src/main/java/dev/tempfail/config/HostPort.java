package dev.tempfail.config;

import java.net.InetSocketAddress;

/** A host and a port, written {@code host:port} or {@code [v6-address]:port}. */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("empty host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
    }

    /** Parses {@code host:port}; where no port is written, {@code defaultPort} is used (if it is not -1). */
    public static HostPort parse(String text, int defaultPort) {
        String s = text.trim();
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("'" + text + "' has no closing ]");
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.startsWith(":")) port = rest.substring(1);
            else if (!rest.isEmpty()) throw new IllegalArgumentException("'" + text + "' is not [address]:port");
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                host = s; // a bare IPv6 address: no port
            } else if (colon >= 0) {
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
            } else {
                host = s;
            }
        }
        if (port == null) {
            if (defaultPort < 0) throw new IllegalArgumentException("'" + text + "' is not host:port");
            return new HostPort(host, defaultPort);
        }
        if (!port.matches("[0-9]{1,5}")) throw new IllegalArgumentException("'" + text + "' has no valid port");
        return new HostPort(host, Integer.parseInt(port));
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
