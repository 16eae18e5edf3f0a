package dev.tempfail.queue;

import java.io.IOException;
import java.io.InputStream;

/**
 * The envelope fields of a message about to be sent, its size, and its body to open (streamed,
 * never held whole). {@code sender} is "" for {@code <>}; {@code smtputf8}: only a next hop that
 * offers SMTPUTF8 may take it.
 */
public record MessageForDelivery(long id, String queueId, String sender, String envid, String ret, String bodyType,
                                 boolean isDsn, boolean smtputf8, long size, Body body) {

    /** The body from its first byte; each call opens it anew (one per DATA). */
    @FunctionalInterface
    public interface Body {
        InputStream open() throws IOException;
    }

    public InputStream open() throws IOException {
        return body.open();
    }
}
