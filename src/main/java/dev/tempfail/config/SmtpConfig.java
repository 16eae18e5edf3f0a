package dev.tempfail.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The inbound SMTP listener: where it listens, whom it relays for, its limits and its TLS.
 *
 * @param maxConnectionsPerClient concurrent sessions from one client address ({@code 0}: no limit of its own)
 * @param maxMessagesPerClient    MAIL commands from one client address per {@code clientRateWindow} ({@code 0}: no limit)
 * @param hardErrorLimit          error replies in one session (since its last accepted message) before it is ended
 *                                with 421 ({@code 0}: no limit)
 * @param maxHops                 {@code Received:} header fields a message may carry before it is taken for a loop
 * @param tlsCert   the PEM certificate chain for STARTTLS; empty = a self-signed pair in the queue directory
 * @param tlsKey    its private key (set exactly when {@code tlsCert} is)
 * @param tlsListen a second listener that speaks TLS from the first byte (port 465 style), if any
 */
public record SmtpConfig(HostPort listen, String hostname, List<Cidr> networks, long maxMessageSize,
                         int maxRecipients, int maxConnections, int maxConnectionsPerClient,
                         int maxMessagesPerClient, Duration clientRateWindow, int hardErrorLimit, int maxHops,
                         Duration timeout, Optional<Path> tlsCert, Optional<Path> tlsKey, Optional<HostPort> tlsListen) {

    static SmtpConfig from(Settings s) {
        String hostname = s.text("smtp.hostname");
        if (!hostname.matches("[A-Za-z0-9._-]+")) throw s.error("smtp.hostname", "must be a host name, got '" + hostname + "'");
        long maxSize = s.size("smtp.max_message_size");
        if (maxSize < 1024 || maxSize > Integer.MAX_VALUE) {
            throw s.error("smtp.max_message_size", "must be between 1K and 2047MB");
        }
        Duration timeout = s.duration("smtp.timeout");
        if (timeout.toSeconds() < 1) throw s.error("smtp.timeout", "must be at least 1s");
        Duration rateWindow = s.duration("smtp.client_rate_window");
        if (rateWindow.toSeconds() < 1 || rateWindow.toDays() > 1) throw s.error("smtp.client_rate_window", "must be between 1s and 1d");
        Optional<Path> cert = s.optionalPath("smtp.tls.cert");
        Optional<Path> key = s.optionalPath("smtp.tls.key");
        if (cert.isPresent() != key.isPresent()) {
            throw s.error(cert.isPresent() ? "smtp.tls.key" : "smtp.tls.cert", "smtp.tls.cert and smtp.tls.key go together");
        }
        return new SmtpConfig(
                s.hostPort("smtp.listen", -1),
                hostname,
                s.list("smtp.networks", Cidr::parse),
                maxSize,
                s.integer("smtp.max_recipients", 1, 100_000),
                s.integer("smtp.max_connections", 1, 100_000),
                s.integer("smtp.max_connections_per_client", 0, 100_000),
                s.integer("smtp.max_messages_per_client", 0, 1_000_000),
                rateWindow,
                s.integer("smtp.hard_error_limit", 0, 100_000),
                s.integer("smtp.max_hops", 1, 1_000),
                timeout,
                cert, key,
                s.optionalHostPort("smtp.tls_listen", 465));
    }

    public boolean mayRelay(InetAddress client) {
        return networks.stream().anyMatch(n -> n.contains(client));
    }
}
