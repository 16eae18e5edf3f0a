package dev.tempfail.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static dev.tempfail.smtp.LocalReplies.synthetic;

/**
 * The candidate hosts of one delivery, tried in turn until one gets as far as MAIL FROM (a
 * connection from the cache first, if one is idle); that host's transaction gives the results.
 */
final class HostLoop {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtp");

    private final ClientSettings settings;
    private final AttemptState state;
    /** The connections this attempt opened or took from the cache. */
    private final List<SmtpConnection> mine = new ArrayList<>();

    HostLoop(ClientSettings settings, AttemptState state) {
        this.settings = settings;
        this.state = state;
    }

    DeliveryResult run(List<Target> targets) {
        try {
            return tryHosts(targets);
        } finally {
            settings.talking().removeAll(mine);
        }
    }

    private DeliveryResult tryHosts(List<Target> targets) {
        if (targets.isEmpty()) throw new IllegalArgumentException("no target hosts");
        SessionSetup setup = new SessionSetup(settings, state, this::registered);
        TransactionLoop transactions = new TransactionLoop(settings, state);
        boolean tryTls = settings.startTls() && state.security.tls() != TlsPolicy.NONE;
        for (Target target : targets) {
            ConnectionCache.Idle idle = settings.cache() == null ? null : settings.cache().take(target);
            if (idle != null) return transactions.run(registered(idle.connection()), idle.capabilities());
            try {
                OpenSession s = setup.connect(target, tryTls);
                if (s != null) return transactions.run(s.connection(), s.capabilities());
            } catch (LoopsBack loop) {
                return loopsBack(target, loop.stage);
            }
        }
        HostFailure last = state.failures.get(state.failures.size() - 1);
        for (int i = 0; i < state.results.length; i++) state.settle(i, last.stage(), last.reply(), last.synthetic());
        return new DeliveryResult(null, false, null, false, EhloCapabilities.NONE, 0, List.of(state.results), state.failures);
    }

    /** Registers a connection of this attempt for {@link SmtpClient#abortAll}, until the attempt is over. */
    private SmtpConnection registered(SmtpConnection c) {
        mine.add(c);
        settings.talking().add(c);
        return c;
    }

    /**
     * The next hop is this relay itself (a route, MX or smarthost pointing back here): a
     * permanent failure for every recipient at once, as Postfix bounces "mail for D loops
     * back to myself"; trying the other hosts would only go round again.
     */
    private DeliveryResult loopsBack(Target target, Stage at) {
        String address = state.env.recipients().get(0).address();
        String domain = address.substring(address.lastIndexOf('@') + 1);
        SmtpReply reply = synthetic(554, "5.4.6", "mail for " + domain + " loops back to myself ("
                + target + (at == Stage.CONNECT ? " greeted" : " answered EHLO") + " with my own name "
                + settings.heloName() + ")");
        log.warn("{}: {}", target, reply);
        for (int i = 0; i < state.results.length; i++) state.settle(i, at, reply, true);
        return new DeliveryResult(target, false, null, false, EhloCapabilities.NONE, 0, List.of(state.results), state.failures);
    }
}
