package dev.tempfail.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * TLS and login towards next hops: {@code delivery.tls} for routes and MX hosts, and
 * {@code delivery.smarthost_tls}, {@code smarthost_tls_ca}, {@code smarthost_auth} for the smarthost.
 *
 * @param tls               none, may, encrypt or verify (see {@code dev.tempfail.smtp.TlsPolicy})
 * @param tlsCa             PEM trust anchors for {@code verify} instead of the JDK's trust store
 * @param smarthostUser     the login at the smarthost, if it wants one
 * @param smarthostPassword the file holding its password (first line), read at start-up
 */
public record OutboundTlsConfig(String tls, Optional<Path> tlsCa, String smarthostTls, Optional<Path> smarthostTlsCa,
                                Optional<String> smarthostUser, Optional<Path> smarthostPassword) {
    private static final List<String> POLICIES = List.of("none", "may", "encrypt", "verify");

    static OutboundTlsConfig from(Settings s) {
        Optional<String> user = s.isNull("delivery.smarthost_auth.user") ? Optional.empty() : Optional.of(s.text("delivery.smarthost_auth.user"));
        Optional<Path> password = s.optionalPath("delivery.smarthost_auth.password_file");
        if (user.isPresent() != password.isPresent()) {
            throw s.error("delivery.smarthost_auth", "user and password_file go together");
        }
        return new OutboundTlsConfig(policy(s, "delivery.tls"), s.optionalPath("delivery.tls_ca"),
                policy(s, "delivery.smarthost_tls"), s.optionalPath("delivery.smarthost_tls_ca"), user, password);
    }

    private static String policy(Settings s, String key) {
        String p = s.text(key).toLowerCase(Locale.ROOT);
        if (!POLICIES.contains(p)) throw s.error(key, "must be none, may, encrypt or verify, got '" + p + "'");
        return p;
    }
}
