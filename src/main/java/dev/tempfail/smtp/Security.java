package dev.tempfail.smtp;

import javax.net.ssl.SSLContext;
import java.util.Objects;

/**
 * What one delivery demands of its next hop: the TLS policy, the trust anchors for
 * {@link TlsPolicy#VERIFY} (null = the JDK's trust store), and a login, if the next hop wants one.
 */
public record Security(TlsPolicy tls, SSLContext trust, Login login) {
    /** Opportunistic TLS, no login: what MX deliveries get unless configured otherwise. */
    public static final Security OPPORTUNISTIC = new Security(TlsPolicy.MAY, null, null);

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
