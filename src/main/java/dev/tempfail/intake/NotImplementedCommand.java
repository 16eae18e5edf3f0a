package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** A command SubEtha knows but we do not offer (EXPN, BDAT): 502, so no SubEtha default answers it. */
final class NotImplementedCommand extends BaseCommand {
    NotImplementedCommand(String verb) {
        super(verb, "Not offered here.");
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        sess.sendResponse("502 5.5.1 Error: command not implemented");
    }
}
