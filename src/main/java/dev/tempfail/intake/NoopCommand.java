package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** NOOP: 250 with an enhanced status code (SubEtha's own has none). */
final class NoopCommand extends BaseCommand {
    NoopCommand() {
        super("NOOP", "Does nothing.");
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        sess.sendResponse("250 2.0.0 Ok");
    }
}
