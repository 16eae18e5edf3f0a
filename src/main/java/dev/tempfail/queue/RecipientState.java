package dev.tempfail.queue;

import java.util.Locale;

/** Where one recipient of a message stands. The names are those users see in JSON and logs. */
public enum RecipientState {
    QUEUED, DELIVERING, DEFERRED, DELIVERED, FAILED, EXPIRED, HELD, DELETED;

    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RecipientState fromDb(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Delivered, failed, expired, or deleted by the operator: nothing more happens to it. */
    public boolean isFinal() {
        return this == DELIVERED || this == FAILED || this == EXPIRED || this == DELETED;
    }

    /** The final states, as an SQL list. */
    static final String FINAL_SQL = "('delivered','failed','expired','deleted')";
}
