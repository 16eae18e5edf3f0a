package dev.tempfail.delivery;

import dev.tempfail.config.OutboundTlsConfig;
import dev.tempfail.route.Via;
import dev.tempfail.smtp.Security;
import dev.tempfail.smtp.TlsPolicy;
import dev.tempfail.tls.Pem;
import dev.tempfail.tls.TlsVersions;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The TLS policy, trust anchors and login for each kind of next hop, built once at start-up:
 * the smarthost's, each route's own (else the MX one), the MX one, and what an MTA-STS policy
 * in enforce mode makes of the MX one.
 */
final class NextHopSecurity {
    private final Security others;
    private final Security smarthost;
    /** By {@code delivery.routes} key (lower case), for the routes with their own {@code tls}. */
    private final Map<String, Security> routes;

    private NextHopSecurity(Security others, Security smarthost, Map<String, Security> routes) {
        this.others = others;
        this.smarthost = smarthost;
        this.routes = routes;
    }

    static NextHopSecurity from(OutboundTlsConfig c) throws IOException {
        Security.Login login = null;
        if (c.smarthostUser().isPresent()) {
            Path file = c.smarthostPassword().orElseThrow();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) throw new IOException(file + ": no password on its first line");
            login = new Security.Login(c.smarthostUser().get(), lines.get(0));
        }
        Map<String, Security> routes = new HashMap<>();
        for (Map.Entry<String, OutboundTlsConfig.RouteTls> e : c.routeTls().entrySet()) {
            routes.put(e.getKey(), new Security(TlsPolicy.parse(e.getValue().tls()), trust(e.getValue().tlsCa()), null));
        }
        return new NextHopSecurity(new Security(TlsPolicy.parse(c.tls()), trust(c.tlsCa()), null),
                new Security(TlsPolicy.parse(c.smarthostTls()), trust(c.smarthostTlsCa()), login), Map.copyOf(routes));
    }

    /** @param route the {@code delivery.routes} key that routed the mail (for {@link Via#ROUTE}), else null */
    Security forVia(Via via, String route) {
        if (via == Via.SMARTHOST) return smarthost;
        if (via == Via.ROUTE && route != null) return routes.getOrDefault(route, others);
        return others;
    }

    /**
     * What an MTA-STS policy in enforce mode demands of an MX host: TLS with its certificate
     * verified (against {@code delivery.tls_ca} if set, as for {@code tls: verify}).
     */
    Security enforcedBy(String policy) {
        return new Security(TlsPolicy.VERIFY, others.trust(), null, policy);
    }

    /** TLS 1.2+ client sockets trusting the PEM file's certificates, or the JDK's trust store without one. */
    static SSLSocketFactory socketFactory(Optional<Path> caFile) throws IOException {
        SSLContext ctx = trust(caFile);
        try {
            return TlsVersions.restricting((ctx != null ? ctx : SSLContext.getDefault()).getSocketFactory());
        } catch (GeneralSecurityException e) {
            throw new IOException("no default TLS context: " + e.getMessage(), e);
        }
    }

    /** A context trusting exactly the certificates in the PEM file; null (the JDK's trust store) without one. */
    static SSLContext trust(Optional<Path> caFile) throws IOException {
        if (caFile.isEmpty()) return null;
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int n = 0;
            for (var cert : Pem.certificates(caFile.get())) ks.setCertificateEntry("ca" + n++, cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(caFile.get() + ": cannot use as trust anchors: " + e.getMessage(), e);
        }
    }
}
