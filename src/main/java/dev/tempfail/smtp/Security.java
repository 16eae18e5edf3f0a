package dev.tempfail.smtp;

import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * What one delivery demands of its next hop: the TLS policy, the trust anchors for
 * {@link TlsPolicy#VERIFY} (null = the JDK's trust store), and a login, if the next hop wants one.
 *
 * @param requiredBy what imposes the policy when it is not the configuration, quoted in every
 *                   failure it causes (e.g. {@code MTA-STS policy of example.com}); null otherwise
 */
public record Security(TlsPolicy tls, SSLContext trust, Login login, String requiredBy) {
    /** Opportunistic TLS, no login: what MX deliveries get unless configured otherwise. */
    public static final Security OPPORTUNISTIC = new Security(TlsPolicy.MAY, null, null);

    /** A policy from the configuration. */
    public Security(TlsPolicy tls, SSLContext trust, Login login) {
        this(tls, trust, login, null);
    }

    /** AUTH PLAIN credentials; sent only over TLS. */
    public record Login(String user, String password) {
        public Login {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Login[" + user + "]"; // never the password
        }
    }

    public Security {
        Objects.requireNonNull(tls, "tls");
    }
}
