package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** VRFY: a relay does not say who exists; 252, as Postfix with {@code disable_vrfy_command}. */
final class VrfyCommand extends BaseCommand {
    VrfyCommand() {
        super("VRFY", "Verifies an address (not here).");
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        sess.sendResponse("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
    }
}
