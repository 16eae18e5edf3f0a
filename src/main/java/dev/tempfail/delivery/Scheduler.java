package dev.tempfail.delivery;

import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.Wakeup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * Leases due recipients and hands them to workers, grouped by message and domain so that
 * each job is one SMTP transaction. Like Postfix's active queue, it keeps up to
 * {@link #IN_FLIGHT_PER_WORKER} jobs per worker in memory (running, queued, or parked behind
 * their destination's lane), so that a slow destination never keeps the others waiting for
 * work. It wakes at once when intake commits new mail or a job ends, and otherwise sleeps
 * until the next recipient falls due (at most {@code maxIdle}, so a clock that runs fast is
 * followed).
 */
final class Scheduler implements Runnable {
    private static final Logger log = LoggerFactory.getLogger("delivery");
    /** Jobs held in memory per worker: enough that parked jobs of one destination never starve the rest. */
    static final int IN_FLIGHT_PER_WORKER = 50;
    /** How often expired leases are looked for (in real time). */
    private static final Duration RECLAIM_EVERY = Duration.ofMinutes(1);
    /** A floor on idling, so that a due recipient that cannot be leased does not make the loop spin. */
    private static final long MIN_IDLE_MS = 10;

    private final DeliveryQueue queue;
    private final Wakeup wakeup;
    private final Clock clock;
    private final Clock wallClock;
    private final Executor workers;
    private final int workerCount;
    private final Duration leaseTime;
    private final Duration maxIdle;
    private final String owner;
    private final BiFunction<List<Leased>, Runnable, Runnable> jobs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private long rounds;
    private Instant lastReclaim = Instant.MIN;
    private volatile boolean running = true;

    /**
     * @param clock     the relay's clock: when recipients fall due (it may run fast, in the retry lab)
     * @param wallClock real time: how long a lease lasts
     */
    Scheduler(DeliveryQueue queue, Wakeup wakeup, Clock clock, Clock wallClock, Executor workers, int workerCount,
              Duration leaseTime, Duration maxIdle, String owner, BiFunction<List<Leased>, Runnable, Runnable> jobs) {
        this.queue = queue;
        this.wakeup = wakeup;
        this.clock = clock;
        this.wallClock = wallClock;
        this.workers = workers;
        this.workerCount = workerCount;
        this.leaseTime = leaseTime;
        this.maxIdle = maxIdle;
        this.owner = owner;
        this.jobs = jobs;
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (round() == 0) idle();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                log.error("scheduler round failed, trying again shortly: {}", e.toString());
                try {
                    wakeup.await(maxIdle.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    void stop() {
        running = false;
        wakeup.signal();
    }

    /** One round: lease what the in-flight budget allows and start it. Returns how many recipients were leased. */
    int round() throws Exception {
        Instant wall = wallClock.instant();
        if (Duration.between(lastReclaim, wall).compareTo(RECLAIM_EVERY) >= 0) {
            int freed = queue.reclaimExpiredLeases(wall, clock.instant());
            if (freed > 0) log.warn("reclaimed {} recipient(s) whose lease expired", freed);
            lastReclaim = wall;
        }
        int budget = maxInFlight() - inFlight.get();
        if (budget <= 0) return 0;
        // each round's lease is its own (owner#round), so that a round reads back exactly what it won
        List<Leased> due = queue.lease(owner + "#" + (++rounds), clock.instant(), wall.plus(leaseTime), budget);
        Map<String, List<Leased>> groups = new LinkedHashMap<>();
        for (Leased r : due) {
            groups.computeIfAbsent(r.messageId() + " " + r.domain(), k -> new ArrayList<>()).add(r);
        }
        for (List<Leased> group : groups.values()) {
            inFlight.incrementAndGet();
            workers.execute(jobs.apply(group, () -> {
                if (inFlight.decrementAndGet() == maxInFlight() - 1) wakeup.signal(); // the budget has room again
            }));
        }
        return due.size();
    }

    private int maxInFlight() {
        return workerCount * IN_FLIGHT_PER_WORKER;
    }

    /** Waits for new mail, a free worker, or the next due time, whichever comes first. */
    private void idle() throws Exception {
        long wait = maxIdle.toMillis();
        var next = queue.nextDue();
        if (next.isPresent()) wait = Math.min(wait, Duration.between(clock.instant(), next.get()).toMillis());
        wakeup.await(Math.max(MIN_IDLE_MS, wait), TimeUnit.MILLISECONDS);
    }

}
