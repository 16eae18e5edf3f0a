package dev.tempfail.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * TLS and login towards next hops: {@code delivery.tls} for MX hosts (and routes without their
 * own), {@code tls}/{@code tls_ca} on a {@code delivery.routes} entry, {@code delivery.smarthost_tls},
 * {@code smarthost_tls_ca}, {@code smarthost_auth} for the smarthost, and MTA-STS.
 *
 * @param tls               none, may, encrypt or verify (see {@code dev.tempfail.smtp.TlsPolicy})
 * @param tlsCa             PEM trust anchors for {@code verify} instead of the JDK's trust store
 * @param routeTls          per {@code delivery.routes} domain (lower case) that sets its own {@code tls}
 * @param smarthostUser     the login at the smarthost, if it wants one
 * @param smarthostPassword the file holding its password (first line), read at start-up
 * @param mtaSts            {@code delivery.mta_sts}: MTA-STS (RFC 8461) for MX deliveries
 */
public record OutboundTlsConfig(String tls, Optional<Path> tlsCa, Map<String, RouteTls> routeTls, String smarthostTls,
                                Optional<Path> smarthostTlsCa, Optional<String> smarthostUser,
                                Optional<Path> smarthostPassword, MtaSts mtaSts) {
    private static final List<String> POLICIES = List.of("none", "may", "encrypt", "verify");

    /** A route's own policy; {@code tlsCa} empty: the JDK's trust store. */
    public record RouteTls(String tls, Optional<Path> tlsCa) {}

    /**
     * @param enabled    look up and apply the recipient domain's policy
     * @param httpsPort  {@code delivery.mta_sts_test.https_port}: 443; only tests change it
     * @param httpsCa    {@code delivery.mta_sts_test.https_ca}: PEM trust anchors for the policy
     *                   fetch instead of the JDK's trust store; only tests set it
     */
    public record MtaSts(boolean enabled, int httpsPort, Optional<Path> httpsCa) {}

    static OutboundTlsConfig from(Settings s) {
        Optional<String> user = s.isNull("delivery.smarthost_auth.user") ? Optional.empty() : Optional.of(s.text("delivery.smarthost_auth.user"));
        Optional<Path> password = s.optionalPath("delivery.smarthost_auth.password_file");
        if (user.isPresent() != password.isPresent()) {
            throw s.error("delivery.smarthost_auth", "user and password_file go together");
        }
        Map<String, RouteTls> routes = new LinkedHashMap<>();
        s.table("delivery.routes", "host", DeliveryConfig.ROUTE_FIELDS).forEach((domain, row) -> {
            String key = "delivery.routes." + domain;
            if (row.containsKey("tls")) {
                routes.put(domain, new RouteTls(policy(s, key + ".tls", row.get("tls")),
                        Optional.ofNullable(row.get("tls_ca")).filter(p -> !p.isBlank()).map(Path::of)));
            } else if (row.containsKey("tls_ca")) {
                throw s.error(key + ".tls_ca", "goes with tls: verify on the same route");
            }
        });
        MtaSts mtaSts = new MtaSts(onOff(s, "delivery.mta_sts"), s.integer("delivery.mta_sts_test.https_port", 1, 65535),
                s.optionalPath("delivery.mta_sts_test.https_ca"));
        return new OutboundTlsConfig(policy(s, "delivery.tls", s.text("delivery.tls")), s.optionalPath("delivery.tls_ca"),
                Map.copyOf(routes), policy(s, "delivery.smarthost_tls", s.text("delivery.smarthost_tls")),
                s.optionalPath("delivery.smarthost_tls_ca"), user, password, mtaSts);
    }

    private static String policy(Settings s, String key, String value) {
        String p = value.toLowerCase(Locale.ROOT);
        if (!POLICIES.contains(p)) throw s.error(key, "must be none, may, encrypt or verify, got '" + p + "'");
        return p;
    }

    private static boolean onOff(Settings s, String key) {
        if (s.isNull(key)) throw s.error(key, "must be on or off");
        String t = s.text(key).toLowerCase(Locale.ROOT);
        return switch (t) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw s.error(key, "must be on or off, got '" + t + "'");
        };
    }
}
