package dev.tempfail.queue;

import java.sql.SQLException;

/**
 * A write to leased recipients was refused because their lease is no longer the writer's: it
 * expired and was reclaimed (and maybe taken by another job or node). Nothing of the write
 * was stored; the lease's new holder owns the outcome.
 */
public final class LeaseLostException extends SQLException {
    LeaseLostException(String message) {
        super(message);
    }
}
