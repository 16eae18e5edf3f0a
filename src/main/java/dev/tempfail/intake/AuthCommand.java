package dev.tempfail.intake;

import dev.tempfail.auth.Users;
import dev.tempfail.maillog.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * AUTH PLAIN and AUTH LOGIN (RFC 4954, 4616), over TLS only. Every failure is logged on one
 * line that starts with the client's address, for fail2ban:
 * {@code auth failed: client=[192.0.2.1], mechanism=PLAIN, user=<app1>, failures=3}.
 */
final class AuthCommand extends BaseCommand {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtpd");

    private final Users users;
    private final AuthFailures failures;
    private final Duration failureDelay;
    private final ClientSessions sessions;

    AuthCommand(Users users, AuthFailures failures, Duration failureDelay, ClientSessions sessions) {
        super("AUTH", "Authenticates.", "AUTH PLAIN|LOGIN [initial-response]");
        this.users = users;
        this.failures = failures;
        this.failureDelay = failureDelay;
        this.sessions = sessions;
    }

    /** The client cancelled, or sent something that is not base64. */
    private static final class Abandoned extends Exception {
        final String reply;

        Abandoned(String reply) {
            super(reply, null, false, false);
            this.reply = reply;
        }
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        String[] args = line.trim().split(" +");
        if (sessions.user(sess) != null) {
            sess.sendResponse("503 5.5.1 Error: already authenticated");
            return;
        }
        if (sess.isMailTransactionInProgress()) {
            sess.sendResponse("503 5.5.1 Error: MAIL transaction in progress");
            return;
        }
        if (args.length < 2 || args.length > 3) {
            sess.sendResponse("501 5.5.4 Syntax: AUTH mechanism [initial-response]");
            return;
        }
        String mechanism = args[1].toUpperCase(Locale.ROOT);
        if (!mechanism.equals("PLAIN") && !mechanism.equals("LOGIN")) {
            sess.sendResponse("504 5.5.4 Unsupported authentication mechanism: use PLAIN or LOGIN");
            return;
        }
        if (TlsSocket.of(sess).isEmpty()) {
            sess.sendResponse("538 5.7.11 Encryption required for requested authentication mechanism");
            return;
        }
        InetAddress client = sess.getRemoteAddress().getAddress();
        if (failures.lockedOut(client)) {
            String reply = "454 4.7.0 Too many failed authentication attempts, try again later";
            sessions.mailLog().refused(Refusal.AUTH_LOCKED_OUT, sessions.client(sess), reply);
            sess.sendResponse(reply);
            return;
        }
        String initial = args.length == 3 ? args[2] : null;
        String[] credentials;
        try {
            credentials = mechanism.equals("PLAIN") ? plain(sess, initial) : login(sess, initial);
        } catch (Abandoned e) {
            sess.sendResponse(e.reply);
            return;
        }
        String user = credentials[0];
        char[] password = credentials[1].toCharArray();
        boolean ok;
        try {
            ok = credentials[0] != null && users.check(user, password);
        } catch (IOException e) {
            log.error("cannot read the users file: {}", e.getMessage());
            sess.sendResponse("454 4.7.0 Temporary authentication failure");
            return;
        } finally {
            Arrays.fill(password, '\0');
        }
        if (ok) {
            failures.succeeded(client);
            sessions.authenticated(sess, user);
            sessions.mailLog().authenticated(sessions.client(sess), mechanism, user);
            sess.sendResponse("235 2.7.0 Authentication successful");
            return;
        }
        int count = failures.failed(client);
        sessions.mailLog().authFailed(sessions.client(sess), mechanism, printable(user), count);
        slowDown(count);
        sess.sendResponse("535 5.7.8 Error: authentication failed");
    }

    /** PLAIN: authzid NUL authcid NUL password; an authzid other than the user is refused (user stays null). */
    private static String[] plain(Session sess, String initial) throws IOException, Abandoned {
        String response = initial != null ? initial : ask(sess, "");
        String text = decode(response.equals("=") ? "" : response);
        String[] parts = text.split("\0", -1);
        if (parts.length != 3) throw new Abandoned("501 5.5.2 Invalid PLAIN response: authzid NUL user NUL password expected");
        boolean asSelf = parts[0].isEmpty() || parts[0].equals(parts[1]);
        return new String[] {asSelf ? parts[1] : null, parts[2]};
    }

    private static String[] login(Session sess, String initial) throws IOException, Abandoned {
        String user = decode(initial != null ? initial : ask(sess, "VXNlcm5hbWU6")); // "Username:"
        String password = decode(ask(sess, "UGFzc3dvcmQ6")); // "Password:"
        return new String[] {user, password};
    }

    private static String ask(Session sess, String challenge) throws IOException, Abandoned {
        sess.sendResponse("334 " + challenge);
        String answer = sess.getReader().readLine();
        if (answer == null) throw new IOException("connection closed during AUTH");
        if (answer.trim().equals("*")) throw new Abandoned("501 5.7.0 Authentication aborted");
        return answer.trim();
    }

    private static String decode(String base64) throws Abandoned {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Abandoned("501 5.5.2 Invalid base64 data in AUTH response");
        }
    }

    /** The name as given, safe for a log line: no line breaks or control characters, at most 64 characters. */
    private static String printable(String user) {
        if (user == null) return "";
        String s = user.replaceAll("[\\p{Cntrl}\\s<>\\[\\]]", "?");
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    /** The n-th failure in a row waits n times the delay (at most 5): guessing gets slow, a typo barely notices. */
    private void slowDown(int count) {
        long ms = failureDelay.toMillis() * Math.min(count, 5);
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
