package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;

/** The commands that need no envelope: RSET, NOOP, QUIT, VRFY, HELP, and those we refuse. */
final class SimpleCommand extends BaseCommand {
    private enum Kind { RSET, NOOP, QUIT, VRFY, HELP, NOT_IMPLEMENTED }

    private final Kind kind;
    private final ClientSessions sessions;

    private SimpleCommand(String verb, Kind kind, ClientSessions sessions) {
        super(verb, verb);
        this.kind = kind;
        this.sessions = sessions;
    }

    private SimpleCommand(String verb, Kind kind) {
        this(verb, kind, null);
    }

    static SimpleCommand rset() { return new SimpleCommand("RSET", Kind.RSET); }

    static SimpleCommand noop() { return new SimpleCommand("NOOP", Kind.NOOP); }

    /** QUIT frees the session's place under the connection limits before it answers. */
    static SimpleCommand quit(ClientSessions sessions) { return new SimpleCommand("QUIT", Kind.QUIT, sessions); }

    static SimpleCommand vrfy() { return new SimpleCommand("VRFY", Kind.VRFY); }

    static SimpleCommand help() { return new SimpleCommand("HELP", Kind.HELP); }

    /** A command SubEtha knows but we do not offer (EXPN, AUTH, STARTTLS, BDAT). */
    static SimpleCommand notImplemented(String verb) { return new SimpleCommand(verb, Kind.NOT_IMPLEMENTED); }

    @Override
    public void execute(String line, Session sess) throws IOException {
        switch (kind) {
            case RSET -> {
                sess.resetMailTransaction();
                sess.sendResponse("250 2.0.0 Ok");
            }
            case NOOP -> sess.sendResponse("250 2.0.0 Ok");
            case QUIT -> {
                sessions.release(sess);
                sess.sendResponse("221 2.0.0 Bye");
                sess.quit();
            }
            case VRFY -> sess.sendResponse("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
            case HELP -> sess.sendResponse("214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
            case NOT_IMPLEMENTED -> sess.sendResponse("502 5.5.1 Error: command not implemented");
        }
    }
}
