package dev.tempfail.dsn;

/**
 * What a report tells: one kind per report, and the RFC 3464 {@code Action} of every recipient
 * in it. The kinds match the RFC 3461 NOTIFY words: FAILED for FAILURE, DELAYED for DELAY,
 * DELIVERED and RELAYED for SUCCESS.
 */
public enum DsnKind {
    /** Given up: a permanent refusal, or (with a 4.x.x status) the lifetime ran out. */
    FAILED("failed", "Undelivered Mail Returned to Sender", '4', '5'),
    /** Still being retried: the delay warning. */
    DELAYED("delayed", "Delayed Mail (still being retried)", '4', '4'),
    /** Accepted by the next hop, which we take for the final delivery. */
    DELIVERED("delivered", "Successful Mail Delivery Report", '2', '2'),
    /**
     * Accepted by a next hop that does not offer DSN, so it will not report further on
     * (RFC 3461 §5.2.2). The subject is the same as for DELIVERED, as in Postfix: to the sender
     * both are the good-news report their filters and habits already know; the text and the
     * {@code Action: relayed} field say that the confirmation stops at that hop.
     */
    RELAYED("relayed", "Successful Mail Delivery Report", '2', '2');

    private final String action;
    private final String subject;
    private final char lowestStatusClass;
    private final char highestStatusClass;

    DsnKind(String action, String subject, char lowestStatusClass, char highestStatusClass) {
        this.action = action;
        this.subject = subject;
        this.lowestStatusClass = lowestStatusClass;
        this.highestStatusClass = highestStatusClass;
    }

    /** The RFC 3464 action value: {@code failed}, {@code delayed}, {@code delivered}, {@code relayed}. */
    public String action() {
        return action;
    }

    /** The Subject of the report. */
    public String subject() {
        return subject;
    }

    /** Whether a recipient status like {@code 5.1.1} fits this kind (a failure may be 4.x.x: expired). */
    boolean allows(String status) {
        char c = status.charAt(0);
        return c >= lowestStatusClass && c <= highestStatusClass;
    }
}
