package dev.tempfail.smtp;

import java.io.IOException;
import java.util.List;

/** Replies this client makes up itself (marked synthetic in the results), and how an I/O error reads in one. */
final class LocalReplies {
    private LocalReplies() {}

    static SmtpReply synthetic(int code, String status, String text) {
        return SmtpReply.of(code, List.of(status + " " + text));
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
