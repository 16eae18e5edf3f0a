package dev.tempfail.events;

import dev.tempfail.config.EventsConfig;
import dev.tempfail.queue.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * POSTs queued delivery events to {@code events.webhook.url}, one JSON object per request,
 * signed: {@code X-Tempfail-Signature: sha256=<hex HMAC-SHA256 of the body with events.webhook.secret>}.
 * A 2xx reply marks the event sent; anything else (or no answer) is tried again after a wait
 * that doubles from 30 s to at most an hour, on the relay's clock, for as long as it takes: at
 * least once, so receivers deduplicate by the event's {@code id}. Sent events are kept a week
 * (they show in {@code queue show}), then purged in small batches.
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/events");
    static final Duration FIRST_WAIT = Duration.ofSeconds(30);
    static final Duration MAX_WAIT = Duration.ofHours(1);
    private static final Duration KEEP_SENT = Duration.ofDays(7);
    private static final int BATCH = 50;

    private final URI url;
    private final byte[] secret;
    private final EventStore store;
    private final Clock clock;
    private final Duration idle;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Thread thread;
    private volatile boolean running = true;
    private Instant nextPurge = Instant.MIN;

    /** {@code idle}: how long (real time) to wait for new events when none is due. */
    public WebhookSender(EventsConfig config, EventStore store, Clock clock, Duration idle) {
        this.url = config.webhookUrl().orElseThrow();
        this.secret = config.webhookSecret().getBytes(StandardCharsets.UTF_8);
        this.store = store;
        this.clock = clock;
        this.idle = idle;
        this.thread = new Thread(this::loop, "webhook-sender");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** {@code sha256=<hex>}: the HMAC-SHA256 of {@code body} with {@code secret}. */
    public static String signature(byte[] secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** The wait before try number {@code tries + 1} after {@code tries} failed ones. */
    static Duration backoff(int tries) {
        Duration wait = FIRST_WAIT.multipliedBy(1L << Math.min(20, Math.max(0, tries - 1)));
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }

    private void loop() {
        while (running) {
            try {
                List<EventStore.Due> due = store.due(clock.instant(), BATCH);
                for (EventStore.Due e : due) {
                    if (!running) return;
                    send(e);
                }
                purge();
                if (due.size() < BATCH) pause();
            } catch (Exception e) {
                if (!running) return;
                log.error("webhook sender round failed, trying again shortly: {}", e.toString());
                pause();
            }
        }
    }

    private void send(EventStore.Due e) throws Exception {
        String error;
        try {
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(url)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "tempfail")
                    .header("X-Tempfail-Event", e.kind())
                    .header("X-Tempfail-Signature", signature(secret, e.body()))
                    .POST(HttpRequest.BodyPublishers.ofString(e.body(), StandardCharsets.UTF_8))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (reply.statusCode() / 100 == 2) {
                store.sent(e.id(), clock.instant());
                return;
            }
            error = "HTTP " + reply.statusCode();
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        } catch (Exception failed) {
            error = failed.toString();
        }
        Duration wait = backoff(e.tries() + 1);
        store.failed(e.id(), clock.instant().plus(wait), error);
        log.warn("event {} to {} not taken ({}); try {} again in {}s", e.id(), url, error, e.tries() + 2, wait.toSeconds());
    }

    private void purge() throws Exception {
        Instant now = clock.instant();
        if (now.isBefore(nextPurge)) return;
        nextPurge = now.plus(Duration.ofMinutes(1));
        store.purgeSent(now.minus(KEEP_SENT), 500);
    }

    private void pause() {
        try {
            Thread.sleep(idle.toMillis()); // the idle poll for new events, in real time; retry times come from the clock
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
