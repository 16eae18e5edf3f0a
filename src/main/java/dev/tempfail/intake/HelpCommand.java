package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** HELP: the commands we take, in one line (SubEtha's lists its own set). */
final class HelpCommand extends BaseCommand {
    HelpCommand() {
        super("HELP", "Lists the commands.");
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        sess.sendResponse("214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
    }
}
