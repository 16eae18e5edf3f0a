package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** RSET (RFC 5321 section 4.1.1.5): the mail transaction is dropped, the session goes on. */
final class RsetCommand extends BaseCommand {
    RsetCommand() {
        super("RSET", "Resets the mail transaction.");
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        sess.resetMailTransaction();
        sess.sendResponse("250 2.0.0 Ok");
    }
}
