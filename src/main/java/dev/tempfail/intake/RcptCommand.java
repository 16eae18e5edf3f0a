package dev.tempfail.intake;

import dev.tempfail.config.SmtpConfig;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.maillog.Refusal;
import dev.tempfail.message.Utf8Text;
import dev.tempfail.queue.NewMessage.NewRecipient;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.util.Map;

/** RCPT TO:&lt;recipient&gt; [NOTIFY= ORCPT=]: syntax, then the recipient limit, then relay access. */
final class RcptCommand extends BaseCommand {
    private final SmtpConfig config;
    private final boolean dsn;
    private final ClientSessions sessions;
    private final MailLog mailLog;

    RcptCommand(SmtpConfig config, boolean dsn, ClientSessions sessions, MailLog mailLog) {
        super("RCPT", "Specifies a recipient.", "TO:<recipient> [NOTIFY=NEVER|SUCCESS,DELAY,FAILURE] [ORCPT=rfc822;xtext]");
        this.config = config;
        this.dsn = dsn;
        this.sessions = sessions;
        this.mailLog = mailLog;
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        if (!sess.isMailTransactionInProgress()) {
            sess.sendResponse("503 5.5.1 Error: need MAIL command");
            return;
        }
        PathArgument.Command rcpt;
        try {
            rcpt = PathArgument.ofCommand(getArgPredicate(line), "TO:");
        } catch (IllegalArgumentException e) {
            sess.sendResponse("501 5.5.4 Syntax: RCPT TO:<address>: " + e.getMessage());
            return;
        }
        String address = rcpt.address();
        Envelope envelope = (Envelope) sess.getMessageHandler();
        if (!envelope.smtputf8() && Utf8Text.isInternational(address)) {
            sess.sendResponse(MailCommand.NEEDS_SMTPUTF8);
            return;
        }
        String problem = address.isEmpty() ? "the recipient cannot be empty" : MailboxSyntax.problem(address, envelope.smtputf8());
        if (problem != null) {
            sess.sendResponse("501 5.1.3 Bad recipient address syntax: " + problem);
            return;
        }
        if (sess.getRecipientCount() >= config.maxRecipients()) {
            reject(sess, Refusal.TOO_MANY_RECIPIENTS, address, "452 4.5.3 Error: too many recipients");
            return;
        }
        if (sessions.user(sess) == null && !config.mayRelay(sess.getRemoteAddress().getAddress())) {
            reject(sess, Refusal.RELAY_DENIED, address, "554 5.7.1 <" + address + ">: Relay access denied");
            return;
        }
        String notify = null;
        String orcpt = null;
        for (Map.Entry<String, String> p : rcpt.parameters().entrySet()) {
            if (!dsn || !(p.getKey().equals("NOTIFY") || p.getKey().equals("ORCPT"))) {
                sess.sendResponse("555 5.5.4 Unsupported option: " + p.getKey());
                return;
            }
            try {
                if (p.getKey().equals("NOTIFY")) notify = DsnParameters.notify(p.getValue());
                else orcpt = DsnParameters.orcpt(p.getValue());
            } catch (IllegalArgumentException e) {
                sess.sendResponse("501 5.5.4 Bad " + p.getKey() + " parameter: " + e.getMessage());
                return;
            }
        }
        sess.addRecipient(address);
        envelope.addRecipient(new NewRecipient(address, orcpt, notify));
        sess.sendResponse("250 2.1.5 Ok");
    }

    /** A policy refusal, logged as Postfix's {@code NOQUEUE: reject: RCPT from …} (syntax errors are not). */
    private void reject(Session sess, Refusal reason, String address, String reply) throws IOException {
        mailLog.rejected(reason, "RCPT", sessions.client(sess), reply, ((Envelope) sess.getMessageHandler()).sender(),
                address, sessions.isEsmtp(sess), sess.getHelo().orElse(null));
        sess.sendResponse(reply);
    }
}
