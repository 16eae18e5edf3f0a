package dev.tempfail.smtp;

import java.io.IOException;

/** The message content could not be read locally: not the remote side's fault. */
final class LocalContentException extends Exception {
    LocalContentException(IOException cause) {
        super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
    }
}
