package dev.tempfail.reply;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Why a delivery attempt did not succeed, as shown in logs, JSON and DSNs (lowercase). */
public enum Category {
    GREYLISTED,
    RATE_LIMITED,
    SERVER_BUSY,
    MAILBOX_FULL,
    BAD_MAILBOX,
    BAD_DOMAIN,
    REPUTATION,
    AUTH_FAILURE,
    POLICY,
    RELAY_DENIED,
    MESSAGE_TOO_LARGE,
    TOO_MANY_RECIPIENTS,
    PROTOCOL,
    NETWORK,
    LOOP,
    UNKNOWN;

    /** {@code rate_limited}: the name as written in config, logs, JSON and DSNs. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The category with this label; the exception's message lists the valid ones. */
    public static Category parse(String label) {
        for (Category c : values()) {
            if (c.label().equals(label.trim().toLowerCase(Locale.ROOT))) return c;
        }
        throw new IllegalArgumentException("unknown category '" + label + "' (known: " + labels() + ")");
    }

    static String labels() {
        return Arrays.stream(values()).map(Category::label).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return label();
    }
}
