package dev.tempfail.delivery;

import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.Wakeup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Leases due recipients and hands them to workers, grouped by message and domain so that
 * each job is one SMTP transaction. It leases only as much as the workers can start now,
 * wakes at once when intake commits new mail, and otherwise sleeps until the next
 * recipient falls due (at most {@code maxIdle}, so a clock that runs fast is followed).
 */
final class Scheduler implements Runnable {
    private static final Logger log = LoggerFactory.getLogger("delivery");
    /** Recipients leased per free worker and round: messages often have one recipient each. */
    static final int RECIPIENTS_PER_WORKER = 8;
    /** A floor on idling, so that a due recipient that cannot be leased does not make the loop spin. */
    private static final long MIN_IDLE_MS = 10;

    private final DeliveryQueue queue;
    private final Wakeup wakeup;
    private final Clock clock;
    private final Executor workers;
    private final int workerCount;
    private final Duration leaseTime;
    private final Duration maxIdle;
    private final String owner;
    private final Function<List<Leased>, Runnable> jobs;
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean running = true;

    Scheduler(DeliveryQueue queue, Wakeup wakeup, Clock clock, Executor workers, int workerCount, Duration leaseTime,
              Duration maxIdle, String owner, Function<List<Leased>, Runnable> jobs) {
        this.queue = queue;
        this.wakeup = wakeup;
        this.clock = clock;
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
                int leased = round();
                if (leased == 0 || busy.get() >= workerCount) idle();
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

    /** One round: lease what free workers can take and start it. Returns how many recipients were leased. */
    int round() throws Exception {
        int free = workerCount - busy.get();
        if (free <= 0) return 0;
        List<Leased> due = queue.lease(owner, clock.instant(), leaseTime, free * RECIPIENTS_PER_WORKER);
        Map<String, List<Leased>> groups = new LinkedHashMap<>();
        for (Leased r : due) {
            groups.computeIfAbsent(r.messageId() + " " + r.domain(), k -> new java.util.ArrayList<>()).add(r);
        }
        for (List<Leased> group : groups.values()) {
            Runnable job = jobs.apply(group);
            busy.incrementAndGet();
            workers.execute(() -> {
                try {
                    job.run();
                } finally {
                    busy.decrementAndGet();
                    wakeup.signal(); // a worker is free: there may be more to lease
                }
            });
        }
        return due.size();
    }

    /** Waits for new mail, a free worker, or the next due time, whichever comes first. */
    private void idle() throws Exception {
        long wait = maxIdle.toMillis();
        var next = queue.nextDue();
        if (next.isPresent()) wait = Math.min(wait, Duration.between(clock.instant(), next.get()).toMillis());
        wakeup.await(Math.max(MIN_IDLE_MS, wait), TimeUnit.MILLISECONDS);
    }

    int busy() {
        return busy.get();
    }
}
