package dev.tempfail.smtp;

import java.net.SocketTimeoutException;
import java.time.Duration;

/** A stage's timeout ran out while waiting for a reply or for a write to complete. */
final class SmtpTimeoutException extends SocketTimeoutException {
    SmtpTimeoutException(Duration timeout, String waitingFor) {
        super("timed out after " + SmtpTimeouts.format(timeout) + " " + waitingFor);
    }
}
