package dev.tempfail.intake;

import dev.tempfail.config.AuthConfig;
import dev.tempfail.maillog.Refusal;
import dev.tempfail.smtp.Xtext;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * MAIL FROM:&lt;sender&gt; [SIZE= BODY= RET= ENVID=]. On the submission listener only after
 * STARTTLS and AUTH; an authenticated user only as one of its {@code auth.senders}.
 */
final class MailCommand extends BaseCommand {

    private final long maxMessageSize;
    private final boolean dsn;
    private final boolean requireAuth;
    private final AuthConfig auth;
    private final ClientSessions sessions;
    private final Acceptor queue;

    /** {@code queue}: asked whether there is room for the message (queue.min_free). */
    MailCommand(long maxMessageSize, boolean dsn, boolean requireAuth, AuthConfig auth, ClientSessions sessions,
                Acceptor queue) {
        super("MAIL", "Specifies the sender.", "FROM:<sender> [SIZE=n] [BODY=7BIT|8BITMIME] [RET=FULL|HDRS] [ENVID=xtext]");
        this.maxMessageSize = maxMessageSize;
        this.dsn = dsn;
        this.requireAuth = requireAuth;
        this.auth = auth;
        this.sessions = sessions;
        this.queue = queue;
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        if (sess.isMailTransactionInProgress()) {
            sess.sendResponse("503 5.5.1 Error: nested MAIL command");
            return;
        }
        String user = sessions.user(sess);
        if (requireAuth && TlsSocket.of(sess).isEmpty()) {
            sess.sendResponse("530 5.7.0 Must issue a STARTTLS command first");
            return;
        }
        if (requireAuth && user == null) {
            sess.sendResponse("530 5.7.0 Authentication required");
            return;
        }
        PathArgument.Command mail;
        try {
            mail = PathArgument.ofCommand(getArgPredicate(line), "FROM:");
        } catch (IllegalArgumentException e) {
            sess.sendResponse("501 5.5.4 Syntax: MAIL FROM:<address>: " + e.getMessage());
            return;
        }
        String sender = mail.address();
        String problem = sender.isEmpty() ? null : MailboxSyntax.problem(sender);
        if (problem != null) {
            sess.sendResponse("501 5.1.7 Bad sender address syntax: " + problem);
            return;
        }
        if (user != null && !auth.maySendAs(user, sender)) {
            sess.sendResponse("553 5.7.1 <" + sender + ">: Sender address rejected: not owned by user " + user);
            return;
        }
        String bodyType = null;
        String ret = null;
        String envid = null;
        long declaredSize = 0;
        for (Map.Entry<String, String> p : mail.parameters().entrySet()) {
            String value = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> {
                    if (!value.matches("[0-9]{1,18}")) {
                        sess.sendResponse("501 5.5.4 Bad SIZE parameter: '" + value + "' is not a number");
                        return;
                    }
                    declaredSize = Long.parseLong(value);
                    if (declaredSize > maxMessageSize) {
                        sess.sendResponse("552 5.3.4 Message size exceeds fixed limit of " + maxMessageSize + " bytes");
                        return;
                    }
                }
                case "BODY" -> {
                    bodyType = value.toUpperCase(Locale.ROOT);
                    if (!bodyType.equals("7BIT") && !bodyType.equals("8BITMIME")) {
                        sess.sendResponse("501 5.5.4 Bad BODY parameter: use 7BIT or 8BITMIME");
                        return;
                    }
                }
                case "RET" -> {
                    if (!dsn) { unsupported(sess, p.getKey()); return; }
                    ret = value.toUpperCase(Locale.ROOT);
                    if (!ret.equals("FULL") && !ret.equals("HDRS")) {
                        sess.sendResponse("501 5.5.4 Bad RET parameter: use FULL or HDRS");
                        return;
                    }
                }
                case "ENVID" -> {
                    if (!dsn) { unsupported(sess, p.getKey()); return; }
                    try {
                        envid = Xtext.decode(value);
                    } catch (IllegalArgumentException e) {
                        sess.sendResponse("501 5.5.4 Bad ENVID parameter: " + e.getMessage());
                        return;
                    }
                    if (envid.isEmpty() || envid.length() > 100) {
                        sess.sendResponse("501 5.5.4 Bad ENVID parameter: 1 to 100 characters");
                        return;
                    }
                }
                default -> {
                    unsupported(sess, p.getKey());
                    return;
                }
            }
        }
        if (!queue.hasRoomFor(declaredSize)) {
            // as Postfix: a temporary refusal, before the client sends anything big; it comes back when space does
            String reply = "452 4.3.1 Insufficient system storage"; // less than queue.min_free would be left
            sessions.mailLog().rejected(Refusal.INSUFFICIENT_STORAGE, "MAIL", sessions.client(sess), reply, sender, null,
                    sessions.isEsmtp(sess), sess.getHelo().orElse(null));
            sess.sendResponse(reply);
            return;
        }
        sess.startMailTransaction();
        sess.setDeclaredMessageSize((int) Math.min(Integer.MAX_VALUE, declaredSize));
        ((Envelope) sess.getMessageHandler()).sender(sender, ret, envid, bodyType);
        sess.sendResponse("250 2.1.0 Ok");
    }

    private static void unsupported(Session sess, String key) throws IOException {
        sess.sendResponse("555 5.5.4 Unsupported option: " + key);
    }
}
