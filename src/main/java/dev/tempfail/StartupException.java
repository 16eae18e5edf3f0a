package dev.tempfail;

/**
 * The relay cannot start for a reason the operator can fix (a port in use, a queue another
 * process holds): {@code tempfail} prints its message as one line and exits with 1.
 */
public final class StartupException extends RuntimeException {
    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
