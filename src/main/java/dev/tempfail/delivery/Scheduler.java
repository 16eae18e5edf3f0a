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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * Leases due recipients and hands them to workers, grouped by message and domain so that
 * each job is one SMTP transaction. Like Postfix's queue manager it holds a bounded amount of
 * work in memory (running, waiting for a worker, or parked behind its destination's lane:
 * {@link Lanes}), keeps the leases of all of it alive, and gives each recipient domain a
 * bounded share of it:
 *
 * <ul>
 *   <li>the budget is {@code budget} recipients in memory in all;</li>
 *   <li>a domain may take more than its {@code share} only while less than half the budget is
 *       in use, so a destination that never answers holds at most half of it and every other
 *       domain still finds room; due recipients of a domain past its share are postponed by
 *       {@link #OVERFLOW_WAIT} instead of leased, so they neither fill memory nor stand in
 *       front of the others in the due index;</li>
 *   <li>fresh mail is leased before retries ({@link DeliveryQueue#lease}), and lanes start
 *       fresh jobs before parked retries.</li>
 * </ul>
 *
 * <p>It never polls: it wakes when intake commits new mail, when a job ends while work was
 * held back, at the next due time, and at least every {@code maxIdle} (so a clock that runs
 * fast is followed, and leases are kept alive).
 */
final class Scheduler implements Runnable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/qmgr");
    /** How often expired leases are looked for (in real time), at most; twice per lease time when that is shorter. */
    private static final Duration RECLAIM_EVERY = Duration.ofMinutes(1);
    /** How long a domain's due recipients past its share wait before they are looked at again. */
    static final Duration OVERFLOW_WAIT = Duration.ofSeconds(5);
    /** A floor on idling, so that a due recipient that cannot be leased does not make the loop spin. */
    private static final long MIN_IDLE_MS = 10;

    private final DeliveryQueue queue;
    private final Wakeup wakeup;
    private final Clock clock;
    private final Clock wallClock;
    private final Executor workers;
    private final int budget;
    private final int share;
    private final Duration leaseTime;
    private final Duration maxIdle;
    private final BiFunction<List<Leased>, Runnable, Runnable> jobs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Integer> byDomain = new ConcurrentHashMap<>();
    /** Set when a round held work back (budget full or a domain past its share): a job's end then wakes the scheduler. */
    private volatile boolean heldBack;
    private Instant lastReclaim = Instant.MIN;
    private Instant lastExtension;
    private volatile boolean running = true;

    /**
     * @param clock     the relay's clock: when recipients fall due (it may run fast, in the retry lab)
     * @param wallClock real time: how long a lease lasts
     * @param budget    recipients held in memory at most, in all
     * @param share     recipients of one domain held in memory once half the budget is in use
     * @param leaseTime how long a lease lasts unless extended; extended every quarter of it
     */
    Scheduler(DeliveryQueue queue, Wakeup wakeup, Clock clock, Clock wallClock, Executor workers, int budget, int share,
              Duration leaseTime, Duration maxIdle, BiFunction<List<Leased>, Runnable, Runnable> jobs) {
        this.queue = queue;
        this.wakeup = wakeup;
        this.clock = clock;
        this.wallClock = wallClock;
        this.workers = workers;
        this.budget = budget;
        this.share = share;
        this.leaseTime = leaseTime;
        this.maxIdle = maxIdle;
        this.jobs = jobs;
        this.lastExtension = wallClock.instant();
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

    /** One round: keep leases alive, lease what the budget allows and start it. Returns how many recipients were leased. */
    int round() throws Exception {
        Instant wall = wallClock.instant();
        maintainLeases(wall);
        int room = budget - inFlight.get();
        if (room <= 0) {
            heldBack = true;
            return 0;
        }
        Instant now = clock.instant();
        Map<String, Integer> taken = new HashMap<>();
        int[] inUse = {inFlight.get()};
        boolean[] refused = {false};
        List<Leased> due = queue.lease(now, wall.plus(leaseTime), room, domain -> {
            int held = byDomain.getOrDefault(domain, 0) + taken.getOrDefault(domain, 0);
            if (held >= share && inUse[0] >= budget / 2) {
                refused[0] = true;
                return now.plus(OVERFLOW_WAIT);
            }
            taken.merge(domain, 1, Integer::sum);
            inUse[0]++;
            return null;
        });
        heldBack = refused[0] || due.size() == room;
        Map<String, List<Leased>> groups = new LinkedHashMap<>();
        for (Leased r : due) {
            groups.computeIfAbsent(r.messageId() + " " + r.domain(), k -> new ArrayList<>()).add(r);
        }
        for (List<Leased> group : groups.values()) {
            String domain = group.get(0).domain();
            int n = group.size();
            inFlight.addAndGet(n);
            byDomain.merge(domain, n, Integer::sum);
            workers.execute(jobs.apply(group, () -> {
                if (inFlight.addAndGet(-n) == 0) {
                    synchronized (inFlight) {
                        inFlight.notifyAll(); // a stop may be waiting for the last job (awaitIdle)
                    }
                }
                byDomain.computeIfPresent(domain, (d, held) -> held == n ? null : held - n);
                if (heldBack) wakeup.signal(); // there is room again for what was held back
            }));
        }
        return due.size();
    }

    /**
     * Waits until no job is in memory any more (running, waiting for a worker or parked), or
     * {@code deadline} (wall-clock time). Returns the recipients still held.
     */
    int awaitIdle(Instant deadline) throws InterruptedException {
        synchronized (inFlight) {
            while (inFlight.get() > 0) {
                long ms = Duration.between(wallClock.instant(), deadline).toMillis();
                if (ms <= 0) break;
                inFlight.wait(ms); // the last job's end notifies under this monitor: it cannot come between check and wait
            }
        }
        return inFlight.get();
    }

    /** Recipients held in memory now (running, waiting for a worker or parked in a lane). */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Extends this node's leases every quarter of the lease time, so that none expires under a
     * job that is still going to run; frees expired leases (a node that died) every minute, or
     * every half lease time when that is shorter ({@code queue.lease_time}).
     */
    private void maintainLeases(Instant wall) throws Exception {
        if (Duration.between(lastExtension, wall).compareTo(leaseTime.dividedBy(4)) >= 0) {
            queue.extendLeases(wall.plus(leaseTime));
            lastExtension = wall;
        }
        Duration reclaimEvery = leaseTime.dividedBy(2).compareTo(RECLAIM_EVERY) < 0 ? leaseTime.dividedBy(2) : RECLAIM_EVERY;
        if (Duration.between(lastReclaim, wall).compareTo(reclaimEvery) >= 0) {
            int freed = queue.reclaimExpiredLeases(wall, clock.instant());
            if (freed > 0) log.warn("reclaimed {} recipient(s) whose lease expired", freed);
            lastReclaim = wall;
        }
    }

    /** Waits for new mail, room in the budget, or the next due time, whichever comes first. */
    private void idle() throws Exception {
        long wait = maxIdle.toMillis();
        if (inFlight.get() < budget) {
            var next = queue.nextDue();
            if (next.isPresent()) wait = Math.min(wait, Duration.between(clock.instant(), next.get()).toMillis());
        }
        wakeup.await(Math.max(MIN_IDLE_MS, wait), TimeUnit.MILLISECONDS);
    }
}
