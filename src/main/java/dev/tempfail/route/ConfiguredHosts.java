package dev.tempfail.route;

import dev.tempfail.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.hosts.HostsFileParser;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The hosts our own configuration names (a route, the smarthost): an IP literal is used as it
 * is; a name is looked up in the hosts file, then in DNS (A and AAAA; no MX lookup, like
 * Postfix's {@code [host]:port}). A name that does not resolve waits for an operator (4.3.5).
 */
final class ConfiguredHosts {
    private static final Logger log = LoggerFactory.getLogger("tempfail/route");

    private final HostResolver resolver;
    private final HostsFileParser hostsFile;
    private final AddressLimit limit;

    ConfiguredHosts(HostResolver resolver, HostsFileParser hostsFile, AddressLimit limit) {
        this.resolver = resolver;
        this.hostsFile = hostsFile;
        this.limit = limit;
    }

    /** @param what the setting that names the host, for the messages */
    RouteResult route(Via via, HostPort hop, String what) {
        String destination = hop.toString();
        String host = hop.host().toLowerCase(Locale.ROOT);
        Optional<InetAddress> literal = DomainNames.ipLiteral(host);
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
            return new RouteResult.Hosts(via, destination, limit.hops(List.of(new HostAddresses(host, fromHostsFile)), hop.port()));
        }
        HostLookup lookup = resolver.resolve(name);
        if (lookup.found()) {
            return new RouteResult.Hosts(via, destination, limit.hops(List.of(lookup.addresses(host)), hop.port()));
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
}
