package dev.tempfail.smtp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The message as stored: CRLF line endings, sent unchanged apart from dot-stuffing. Opened
 * once per DATA (a connection may carry several transactions), and closed after.
 */
@FunctionalInterface
public interface MessageContent {
    InputStream open() throws IOException;

    static MessageContent of(byte[] bytes) {
        return () -> new ByteArrayInputStream(bytes);
    }
}
