package dev.tempfail.admin;

import dev.tempfail.queue.QueueStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /metrics}: the relay's counters (kept by the mail log as it writes each event) and
 * the queue's gauges, in the Prometheus text format as Micrometer's Prometheus registry writes
 * it. The gauges are read from one {@link QueueStats} snapshot taken per scrape.
 */
public final class MetricsApi {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final QueueStats stats;
    private final Clock clock;
    private final AtomicReference<QueueStats.Snapshot> last = new AtomicReference<>(QueueStats.Snapshot.EMPTY);

    public MetricsApi(PrometheusMeterRegistry registry, QueueStats stats, Clock clock) {
        this.registry = registry;
        this.stats = stats;
        this.clock = clock;
        for (String state : QueueStats.UNFINISHED) {
            Gauge.builder("tempfail.queue.recipients", last, s -> s.get().recipients(state))
                    .description("recipients in the queue, by state").tag("state", state).register(registry);
        }
        TimeGauge.builder("tempfail.queue.oldest.deferred.age", last, TimeUnit.MILLISECONDS,
                        s -> s.get().oldestDeferred().toMillis())
                .description("how long the oldest deferred recipient's message has been queued").register(registry);
        Gauge.builder("tempfail.destinations.paused", last, s -> s.get().pausedDestinations())
                .description("destinations that may not be sent to now").register(registry);
        Gauge.builder("tempfail.events.pending", last, s -> s.get().pendingEvents())
                .description("webhook events not yet taken by the receiver").register(registry);
    }

    public void register(Routes routes) {
        routes.get("/metrics", r -> {
            synchronized (this) { // one snapshot per scrape, the figures of one scrape read together
                last.set(stats.snapshot(clock.instant()));
                return AdminResponse.text(200, CONTENT_TYPE, registry.scrape());
            }
        });
    }
}
