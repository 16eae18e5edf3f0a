package dev.tempfail.maillog;

/** Why intake refused something: the {@code reason} label of {@code tempfail_intake_refusals_total}. */
public enum Refusal {
    RELAY_DENIED,
    TOO_MANY_RECIPIENTS,
    MESSAGE_TOO_LARGE,
    BARE_LINE_ENDING,
    TOO_MANY_HOPS,
    TOO_MANY_CONNECTIONS,
    INSUFFICIENT_STORAGE,
    AUTH_LOCKED_OUT,
    QUEUE_ERROR;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
