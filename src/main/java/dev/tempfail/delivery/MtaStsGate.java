package dev.tempfail.delivery;

import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.MtaStsPolicyStore;
import dev.tempfail.route.MtaStsPolicies;
import dev.tempfail.route.MtaStsPolicy;
import dev.tempfail.route.MtaStsStore;
import dev.tempfail.route.NextHop;
import dev.tempfail.route.RouteResult;
import dev.tempfail.route.Via;
import dev.tempfail.smtp.DeliveryResult;
import dev.tempfail.smtp.Security;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * MTA-STS (RFC 8461 §4, §5) for deliveries to a domain's MX hosts (its own A/AAAA records
 * too, as an implicit MX): which hosts may carry the mail, and with what TLS.
 *
 * <p>{@code enforce}: only hosts that match the policy's {@code mx} patterns are tried, each
 * with TLS whose certificate is verified (chain and host name, as {@code tls: verify}); none
 * left, or none that passes, is a temporary failure whose reply names MTA-STS (category
 * {@code mta_sts}). {@code testing}: delivery as without a policy, and a log line for each host
 * that enforce mode would have skipped and each delivery without verified TLS. Routes and the
 * smarthost are the operator's own choice and are left alone.
 */
final class MtaStsGate {
    /** What the policy makes of one delivery. */
    sealed interface Decision {
        /**
         * Go ahead with these hosts and this TLS; {@code testing} is the testing-mode policy the
         * outcome is checked against afterwards ({@link #afterDelivery}), null otherwise.
         */
        record Go(RouteResult.Hosts hosts, Security security, MtaStsPolicies.Found testing) implements Decision {}

        /** No host may be used: a temporary failure, RFC 3463 {@code status}. */
        record Refuse(String status, String reason) implements Decision {}
    }

    /** Null when {@code delivery.mta_sts} is off. */
    private final MtaStsPolicies policies;
    private final NextHopSecurity security;
    private final MailLog mailLog;

    MtaStsGate(MtaStsPolicies policies, NextHopSecurity security, MailLog mailLog) {
        this.policies = policies;
        this.security = security;
        this.mailLog = mailLog;
    }

    /** @param configured the TLS the configuration asks of these hosts */
    Decision apply(String queueId, String domain, RouteResult.Hosts hosts, Security configured) {
        if (policies == null || (hosts.via() != Via.MX && hosts.via() != Via.IMPLICIT_MX)) {
            return new Decision.Go(hosts, configured, null);
        }
        Optional<MtaStsPolicies.Found> found = policies.lookup(domain);
        if (found.isEmpty() || found.get().policy().mode() == MtaStsPolicy.Mode.NONE) {
            return new Decision.Go(hosts, configured, null);
        }
        MtaStsPolicies.Found f = found.get();
        MtaStsPolicy policy = f.policy();
        String mode = policy.mode().label();
        Set<String> notListed = new LinkedHashSet<>();
        List<NextHop> listed = hosts.hops().stream().filter(h -> {
            boolean ok = policy.matches(h.hostName());
            if (!ok) notListed.add(h.hostName());
            return ok;
        }).toList();
        boolean testing = policy.mode() == MtaStsPolicy.Mode.TESTING;
        for (String host : notListed) {
            mailLog.mtaSts(queueId, domain, mode, host + " does not match the policy's mx " + policy.mx()
                    + (testing ? "; enforce mode would not deliver there" : "; not used"));
        }
        if (testing) return new Decision.Go(hosts, configured, f);
        String name = "MTA-STS policy of " + domain + " (enforce, id " + f.id() + ")";
        if (listed.isEmpty()) {
            String reason = "MTA-STS: no MX host of " + domain + " (" + String.join(", ", notListed)
                    + ") matches its policy (enforce, id " + f.id() + ", mx " + policy.mx() + ")";
            mailLog.mtaSts(queueId, domain, mode, "no MX host matches; the mail waits");
            return new Decision.Refuse("4.4.4", reason);
        }
        return new Decision.Go(new RouteResult.Hosts(hosts.via(), hosts.destination(), listed),
                security.enforcedBy(name), null);
    }

    /** Under a testing policy: logs a delivery that enforce mode would have refused for want of verified TLS. */
    void afterDelivery(String queueId, MtaStsPolicies.Found testing, DeliveryResult result) {
        if (testing == null || result.target() == null || result.tlsVerified()) return;
        mailLog.mtaSts(queueId, testing.domain(), testing.policy().mode().label(), result.target() + " was used "
                + (result.tls() ? "over TLS without a verified certificate" : "without TLS")
                + "; enforce mode would have required verified TLS");
    }

    /** The queue database's {@code mta_sts_policy} table as routing's policy store. */
    static MtaStsStore store(MtaStsPolicyStore table) {
        return new MtaStsStore() {
            @Override
            public Optional<Stored> load(String domain) throws Exception {
                return table.load(domain).map(r -> new Stored(r.domain(), r.id(), r.policy(), r.fetchedAt(), r.expiresAt()));
            }

            @Override
            public void save(Stored s) throws Exception {
                table.save(new MtaStsPolicyStore.Row(s.domain(), s.id(), s.policy(), s.fetchedAt(), s.expiresAt()));
            }
        };
    }
}
