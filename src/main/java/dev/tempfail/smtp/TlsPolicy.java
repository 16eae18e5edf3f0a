package dev.tempfail.smtp;

import java.util.Locale;

/**
 * How much TLS a next hop must offer (Postfix's {@code smtp_tls_security_level}).
 * {@code MAY}: STARTTLS when offered, any certificate, plain text when it is not offered or
 * fails. {@code ENCRYPT}: TLS or no delivery (a temporary failure), any certificate.
 * {@code VERIFY}: TLS with a certificate chain trusted and issued for the host's name.
 */
public enum TlsPolicy {
    NONE, MAY, ENCRYPT, VERIFY;

    public static TlsPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be none, may, encrypt or verify, got '" + text + "'");
        }
    }

    boolean required() {
        return this == ENCRYPT || this == VERIFY;
    }
}
