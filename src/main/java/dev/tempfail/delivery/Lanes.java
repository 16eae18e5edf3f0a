package dev.tempfail.delivery;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Per-destination concurrency: at most N connections to one destination at once, without
 * tying up worker threads while waiting. A job that finds its destination's lane full is
 * parked in memory (its recipients stay leased, and the scheduler keeps the lease alive) and
 * started by the next job that leaves the lane, fresh mail before retries, as Postfix's
 * queue manager keeps a queue per destination.
 *
 * <p>So a destination that accepts connections and never answers holds at most its own N
 * workers; every other destination keeps the rest. How much waits in memory in all, and for
 * one domain, is bounded by the scheduler's budget and shares; when such a destination is finally marked
 * down, its parked jobs put their recipients back at once.
 */
final class Lanes {
    private final Executor executor;
    private final Map<String, Lane> lanes = new HashMap<>();

    Lanes(Executor executor) {
        this.executor = executor;
    }

    private static final class Lane {
        int active;
        /** Fresh mail starts before retries that wait for the same destination. */
        final Queue<Runnable> parkedFresh = new ArrayDeque<>();
        final Queue<Runnable> parkedRetries = new ArrayDeque<>();

        Runnable next() {
            Runnable next = parkedFresh.poll();
            return next != null ? next : parkedRetries.poll();
        }
    }

    /**
     * Runs {@code work} on {@code destination} with at most {@code width} at once: at once on
     * the caller's thread if the lane has room (returns true), else later on a worker (false).
     *
     * @param fresh first tries: parked ahead of retries
     */
    boolean run(String destination, int width, boolean fresh, Runnable work) {
        Runnable inLane = () -> {
            try {
                work.run();
            } finally {
                leave(destination);
            }
        };
        synchronized (this) {
            Lane lane = lanes.computeIfAbsent(destination, d -> new Lane());
            if (lane.active >= width) {
                (fresh ? lane.parkedFresh : lane.parkedRetries).add(inLane);
                return false;
            }
            lane.active++;
        }
        inLane.run();
        return true;
    }

    /** A job left the lane: the next parked one (if any) takes its place, on a worker. */
    private void leave(String destination) {
        Runnable next;
        synchronized (this) {
            Lane lane = lanes.get(destination);
            next = lane.next();
            if (next == null) {
                lane.active--;
                if (lane.active == 0) lanes.remove(destination);
                return;
            }
        }
        try {
            executor.execute(next);
        } catch (RejectedExecutionException shuttingDown) {
            // the relay is stopping: the parked job's recipients keep their lease, freed at the next start (or when it expires)
        }
    }
}
