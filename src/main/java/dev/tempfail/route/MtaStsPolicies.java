package dev.tempfail.route;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.route.Dns.Answer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MTA-STS policy discovery (RFC 8461 §3, §5.1): the {@code _mta-sts.<domain>} TXT record, the
 * policy fetched over HTTPS when its id is new or the cached copy has expired, and the cache.
 *
 * <p>The cache is kept in memory (the most recent {@value #MEMORY_LIMIT} domains) and in the
 * {@link MtaStsStore}, so a restart keeps what was learnt. A policy is used until its max_age
 * runs out; a TXT record that cannot be had, or a fetch that fails, never throws away a cached
 * policy that is still valid (an attacker who blocks those must not downgrade the domain). With
 * no valid cached policy, a failed fetch means delivery goes on as if the domain had none, as
 * the RFC says. A fetch that failed is not tried again for {@link #FAILED_FETCH_WAIT} unless the TXT
 * id changes: a policy host that hangs would otherwise hold every delivery to its domain for the
 * whole {@link #FETCH_TIMEOUT}, attempt after attempt.
 *
 * <p>Thread-safe. Two deliveries to a new domain at the same moment may both fetch its policy.
 */
public final class MtaStsPolicies {
    private static final Logger log = LoggerFactory.getLogger(Router.class);
    /** RFC 8461 §3.3 suggests about a minute; a delivery worker waits for this, so it is shorter. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(15);
    static final int MEMORY_LIMIT = 10_000;
    static final Duration FAILED_FETCH_WAIT = Duration.ofMinutes(5);
    private static final Pattern ID = Pattern.compile("(?:^|;)\\s*id=([A-Za-z0-9]{1,32})\\s*(?:;|$)");

    /** A policy in force for a domain, and the id of the TXT record it was fetched for. */
    public record Found(String domain, String id, MtaStsPolicy policy) {}

    private record Cached(MtaStsStore.Stored stored, MtaStsPolicy policy) {}

    /** A fetch for this TXT id failed; the next is due at {@code retryAt}. */
    private record Failed(String id, Instant retryAt) {}

    private final Dns dns;
    private final PolicyFetcher fetcher;
    private final MtaStsStore store;
    private final Clock clock;
    private final Map<String, Cached> memory = recentDomains();
    private final Map<String, Failed> failed = recentDomains();

    MtaStsPolicies(Dns dns, PolicyFetcher fetcher, MtaStsStore store, Clock clock) {
        this.dns = dns;
        this.fetcher = fetcher;
        this.store = store;
        this.clock = clock;
    }

    /**
     * Policies looked up through {@code delivery.dns_servers}, fetched from port {@code httpsPort}
     * (443 but for tests) over sockets from {@code https} (which holds the trust anchors).
     */
    public static MtaStsPolicies create(DeliveryConfig config, int httpsPort, SSLSocketFactory https, MtaStsStore store,
                                        Clock clock) {
        Dns dns = Dns.forConfig(config);
        return new MtaStsPolicies(dns, new PolicyFetcher(new HostResolver(dns), httpsPort, https, FETCH_TIMEOUT),
                store, clock);
    }

    /** The policy in force for {@code domain} (normalized), if it has one. Blocks for DNS and, now and then, HTTPS. */
    public Optional<Found> lookup(String domain) {
        Instant now = clock.instant();
        Cached cached = cached(domain);
        boolean valid = cached != null && now.isBefore(cached.stored().expiresAt());
        Optional<Found> keep = valid
                ? Optional.of(new Found(domain, cached.stored().id(), cached.policy())) : Optional.empty();
        Name name;
        try {
            name = Name.fromString("_mta-sts." + domain, Name.root);
        } catch (TextParseException e) {
            return keep;
        }
        Answer txt = dns.await(dns.query(name, Type.TXT));
        if (txt instanceof Answer.Failed f) {
            log.debug("MTA-STS: TXT of {} not available ({}); {}", name, f.reason(), valid ? "cached policy used" : "no policy");
            return keep;
        }
        String id = txt instanceof Answer.Records r ? id(r.records()) : null;
        if (id == null) return keep;
        if (valid && cached.stored().id().equals(id)) return keep;
        Failed before;
        synchronized (failed) {
            before = failed.get(domain);
        }
        if (before != null && before.id().equals(id) && now.isBefore(before.retryAt())) return keep;
        String body;
        MtaStsPolicy policy;
        try {
            body = fetcher.fetch(domain);
            policy = MtaStsPolicy.parse(body);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("MTA-STS: no policy could be had for {} (TXT id {}): {}; {}; not asked again for {} minutes unless the id changes",
                    domain, id, e.getMessage(),
                    valid ? "the cached one (id " + cached.stored().id() + ") stays in force" : "delivering as without one",
                    FAILED_FETCH_WAIT.toMinutes());
            synchronized (failed) {
                failed.put(domain, new Failed(id, now.plus(FAILED_FETCH_WAIT)));
            }
            return keep;
        }
        MtaStsStore.Stored stored = new MtaStsStore.Stored(domain, id, body, now, now.plus(policy.maxAge()));
        remember(new Cached(stored, policy));
        synchronized (failed) {
            failed.remove(domain);
        }
        log.info("MTA-STS: policy of {} fetched (id {}, mode {}, mx {}, max_age {}s)", domain, id, policy.mode().label(),
                policy.mx(), policy.maxAge().toSeconds());
        return Optional.of(new Found(domain, id, policy));
    }

    /** By domain, the {@value #MEMORY_LIMIT} most recently used. Not thread-safe. */
    private static <V> Map<String, V> recentDomains() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MEMORY_LIMIT;
            }
        };
    }

    /** The id of the one TXT record that starts with {@code v=STSv1}; null if there is none, several, or no valid id. */
    static String id(List<Record> records) {
        List<String> sts = new ArrayList<>();
        for (Record r : records) {
            if (!(r instanceof TXTRecord t)) continue;
            String text = String.join("", t.getStrings());
            if (text.startsWith("v=STSv1;") || text.equals("v=STSv1")) sts.add(text);
        }
        if (sts.size() != 1) return null;
        Matcher m = ID.matcher(sts.get(0).substring("v=STSv1".length()));
        return m.find() ? m.group(1) : null;
    }

    private Cached cached(String domain) {
        synchronized (memory) {
            Cached c = memory.get(domain);
            if (c != null) return c;
        }
        try {
            Optional<MtaStsStore.Stored> s = store.load(domain);
            if (s.isEmpty()) return null;
            Cached c = new Cached(s.get(), MtaStsPolicy.parse(s.get().policy()));
            synchronized (memory) {
                memory.put(domain, c);
            }
            return c;
        } catch (Exception e) {
            log.warn("MTA-STS: the stored policy of {} cannot be read: {}", domain, e.toString());
            return null;
        }
    }

    private void remember(Cached c) {
        synchronized (memory) {
            memory.put(c.stored().domain(), c);
        }
        try {
            store.save(c.stored());
        } catch (Exception e) {
            log.warn("MTA-STS: the policy of {} is cached in memory only: {}", c.stored().domain(), e.toString());
        }
    }
}
