package dev.tempfail.intake;

/**
 * The three listeners and what each demands before it takes mail.
 *
 * @param tlsFromStart TLS from the first byte (port 465 style) rather than after STARTTLS
 * @param requireAuth  MAIL only after STARTTLS and AUTH (port 587 style); the others relay by network or AUTH
 */
enum ListenerKind {
    RELAY("smtp", false, false),
    IMPLICIT_TLS("smtps", true, false),
    SUBMISSION("submission", false, true);

    final String label;
    final boolean tlsFromStart;
    final boolean requireAuth;

    ListenerKind(String label, boolean tlsFromStart, boolean requireAuth) {
        this.label = label;
        this.tlsFromStart = tlsFromStart;
        this.requireAuth = requireAuth;
    }
}
