package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** QUIT frees the session's place under the connection limits before it answers, so a new client may take it at once. */
final class QuitCommand extends BaseCommand {
    private final ClientSessions sessions;

    QuitCommand(ClientSessions sessions) {
        super("QUIT", "Closes the session.");
        this.sessions = sessions;
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        sessions.release(sess);
        sess.sendResponse("221 2.0.0 Bye");
        sess.quit();
    }
}
