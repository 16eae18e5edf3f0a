package dev.tempfail.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/** The inbound SMTP listener: where it listens, whom it relays for, and its limits. */
public record SmtpConfig(HostPort listen, String hostname, List<Cidr> networks, long maxMessageSize,
                         int maxRecipients, int maxConnections, Duration timeout) {

    static SmtpConfig from(Settings s) {
        String hostname = s.text("smtp.hostname");
        if (!hostname.matches("[A-Za-z0-9._-]+")) throw s.error("smtp.hostname", "must be a host name, got '" + hostname + "'");
        long maxSize = s.size("smtp.max_message_size");
        if (maxSize < 1024 || maxSize > Integer.MAX_VALUE) {
            throw s.error("smtp.max_message_size", "must be between 1K and 2047MB");
        }
        Duration timeout = s.duration("smtp.timeout");
        if (timeout.toSeconds() < 1) throw s.error("smtp.timeout", "must be at least 1s");
        return new SmtpConfig(
                s.hostPort("smtp.listen", -1),
                hostname,
                s.list("smtp.networks", Cidr::parse),
                maxSize,
                s.integer("smtp.max_recipients", 1, 100_000),
                s.integer("smtp.max_connections", 1, 100_000),
                timeout);
    }

    public boolean mayRelay(InetAddress client) {
        return networks.stream().anyMatch(n -> n.contains(client));
    }
}
