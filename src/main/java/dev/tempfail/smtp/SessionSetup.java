package dev.tempfail.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.function.UnaryOperator;

import static dev.tempfail.smtp.LocalReplies.describe;
import static dev.tempfail.smtp.LocalReplies.synthetic;

/**
 * Gets one host to the point of MAIL FROM: connect, greeting, EHLO (or HELO), STARTTLS as the
 * {@link TlsPolicy} says, and the login. A host that is no good is recorded as failed.
 */
final class SessionSetup {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtp");

    private final ClientSettings settings;
    private final SmtpTimeouts timeouts;
    private final AttemptState state;
    /** Called with every connection opened, so that a stop can cut it. */
    private final UnaryOperator<SmtpConnection> register;

    SessionSetup(ClientSettings settings, AttemptState state, UnaryOperator<SmtpConnection> register) {
        this.settings = settings;
        this.timeouts = settings.timeouts();
        this.state = state;
        this.register = register;
    }

    /**
     * Connects, reads the greeting, says EHLO and starts TLS; null (and a recorded failure) if
     * the host is no good. Throws if the host greets or answers EHLO with our own name.
     */
    OpenSession connect(Target target, boolean tryTls) throws LoopsBack {
        Security security = state.security;
        state.stage = Stage.CONNECT;
        SmtpConnection c;
        try {
            c = register.apply(SmtpConnection.open(target, timeouts.connect()));
        } catch (IOException e) {
            state.fail(target, Stage.CONNECT, synthetic(421, "4.4.1", "connect to " + target + ": " + describe(e)));
            return null;
        }
        try {
            SmtpReply greeting = c.readReply(timeouts.greeting(), "waiting for the greeting");
            if (greeting.code() != 220) {
                if (greeting.code() < 400) throw new SmtpProtocolException("unexpected greeting: " + greeting);
                state.failures.add(new HostFailure(target, Stage.CONNECT, greeting, false));
                c.quit(timeouts.mail());
                return null;
            }
            if (settings.isOurName(greeting)) throw new LoopsBack(Stage.CONNECT);
            state.stage = Stage.EHLO;
            EhloCapabilities caps;
            try {
                caps = hello(c);
            } catch (CommandRefused r) {
                state.failures.add(new HostFailure(target, Stage.EHLO, r.reply, false));
                c.quit(timeouts.mail());
                return null;
            }
            boolean required = security.tls().required();
            if (tryTls && caps.startTls()) {
                state.stage = Stage.STARTTLS;
                try {
                    EhloCapabilities secured = startTls(c);
                    if (secured != null) caps = secured;
                } catch (IOException | CommandRefused e) {
                    c.close();
                    String why = e instanceof CommandRefused r ? r.what + " refused: " + r.reply : describe((IOException) e);
                    if (required) { // never a clear-text retry: the policy says TLS or nothing
                        state.fail(target, Stage.STARTTLS, synthetic(421, "4.7.5", "TLS with " + target + " failed: " + why
                                + " (tls: " + policyName() + ")"));
                        return null;
                    }
                    state.fail(target, Stage.STARTTLS, synthetic(421, "4.7.5",
                            "TLS with " + target + " failed: " + why + "; trying again without TLS"));
                    return connect(target, false);
                }
            }
            if (required && !c.tls()) {
                state.fail(target, Stage.STARTTLS, synthetic(421, "4.7.4", "TLS is required (tls: " + policyName()
                        + "), but " + target + (caps.startTls() ? " declined STARTTLS" : " does not offer STARTTLS")));
                c.quit(timeouts.mail());
                return null;
            }
            if (security.login() != null && !login(c, caps, target)) return null;
            return new OpenSession(c, caps);
        } catch (IOException e) {
            c.close();
            String code = e instanceof SmtpProtocolException ? "4.5.0" : "4.4.2";
            state.fail(target, state.stage, synthetic(421, code, target + ": " + describe(e)));
            return null;
        } catch (LoopsBack loop) {
            c.quit(timeouts.mail());
            throw loop;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** "verify", or "verify, required by the MTA-STS policy of example.com (enforce)". */
    private String policyName() {
        String name = state.security.tls().name().toLowerCase(Locale.ROOT);
        return state.security.requiredBy() == null ? name : name + ", required by the " + state.security.requiredBy();
    }

    /** EHLO, or HELO if EHLO gets a 5xx. */
    private EhloCapabilities hello(SmtpConnection c) throws IOException, CommandRefused, LoopsBack {
        c.send("EHLO " + settings.heloName(), timeouts.ehlo());
        c.flush(timeouts.ehlo());
        SmtpReply r = c.readReply(timeouts.ehlo(), "waiting for the reply to EHLO");
        if (r.code() / 100 == 2 && settings.isOurName(r)) throw new LoopsBack(Stage.EHLO);
        if (r.code() / 100 == 2) return EhloCapabilities.fromEhlo(r);
        if (r.code() < 400) throw new SmtpProtocolException("unexpected reply to EHLO: " + r);
        if (r.code() < 500) throw new CommandRefused("EHLO", r);
        c.send("HELO " + settings.heloName(), timeouts.ehlo());
        c.flush(timeouts.ehlo());
        SmtpReply h = c.readReply(timeouts.ehlo(), "waiting for the reply to HELO");
        if (h.code() / 100 == 2 && settings.isOurName(h)) throw new LoopsBack(Stage.EHLO);
        if (h.code() / 100 == 2) return EhloCapabilities.fromHelo(h);
        if (h.code() < 400) throw new SmtpProtocolException("unexpected reply to HELO: " + h);
        throw new CommandRefused("HELO", h);
    }

    /**
     * STARTTLS, the handshake, and EHLO again. Null if the server declines STARTTLS (then
     * the session goes on in plain text); throws if TLS was begun and failed, or the server
     * answered 421.
     */
    private EhloCapabilities startTls(SmtpConnection c) throws IOException, CommandRefused, LoopsBack {
        c.send("STARTTLS", timeouts.ehlo());
        c.flush(timeouts.ehlo());
        SmtpReply r = c.readReply(timeouts.ehlo(), "waiting for the reply to STARTTLS");
        if (r.code() == 421) throw new CommandRefused("STARTTLS", r);
        if (r.code() != 220) {
            log.debug("{} declined STARTTLS ({}); going on without TLS", c.target(), r);
            return null;
        }
        c.startTls(timeouts.ehlo(), state.security.tls() == TlsPolicy.VERIFY, state.security.trust());
        try {
            return hello(c);
        } catch (CommandRefused e) {
            throw new CommandRefused("EHLO after STARTTLS", e.reply);
        }
    }

    /**
     * AUTH PLAIN with the configured login, only over TLS; false (the host failed, temporarily,
     * as Postfix defers on a SASL failure) if it cannot be done or is refused.
     */
    private boolean login(SmtpConnection c, EhloCapabilities caps, Target target) throws IOException {
        Security.Login login = state.security.login();
        String problem = null;
        if (!c.tls()) problem = "no TLS, and the password is never sent in clear text";
        else if (!caps.has("AUTH")) problem = "the server offers no AUTH";
        if (problem == null) {
            String token = Base64.getEncoder().encodeToString(
                    ("\0" + login.user() + "\0" + login.password()).getBytes(StandardCharsets.UTF_8));
            c.send("AUTH PLAIN " + token, timeouts.ehlo());
            c.flush(timeouts.ehlo());
            SmtpReply r = c.readReply(timeouts.ehlo(), "waiting for the reply to AUTH");
            if (r.code() == 235) return true;
            problem = "the server said " + r;
        }
        state.fail(target, Stage.EHLO, synthetic(454, "4.7.8", "AUTH as " + login.user() + " to " + target + " failed: " + problem));
        c.quit(timeouts.mail());
        return false;
    }
}
