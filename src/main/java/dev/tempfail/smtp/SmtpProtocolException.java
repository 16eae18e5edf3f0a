package dev.tempfail.smtp;

import java.io.IOException;

/** The server said something that is not a valid SMTP reply, or not one allowed at this point. */
final class SmtpProtocolException extends IOException {
    SmtpProtocolException(String message) {
        super(message);
    }
}
