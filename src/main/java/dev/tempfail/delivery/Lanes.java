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
 * parked (in memory, its recipients still leased) and run by the next job that leaves the
 * lane; a lane whose parking is full too turns the job away, and the job puts its
 * recipients back in the queue for a little later.
 *
 * <p>So a destination that accepts connections and never answers holds at most its own N
 * workers; every other destination keeps the rest.
 */
final class Lanes {
    /** Jobs parked per lane before more are turned away, as a multiple of the lane's width. */
    static final int PARKING_FACTOR = 4;

    private final Executor executor;
    private final Map<String, Lane> lanes = new HashMap<>();

    Lanes(Executor executor) {
        this.executor = executor;
    }

    private static final class Lane {
        int active;
        final Queue<Runnable> parked = new ArrayDeque<>();
    }

    enum Entry { RUN_NOW, PARKED, TURNED_AWAY }

    /**
     * Asks to run {@code work} on {@code destination} with at most {@code width} at once. On
     * RUN_NOW the caller runs it at once on its own thread and must call {@link #leave} after.
     */
    synchronized Entry enter(String destination, int width, Runnable work) {
        Lane lane = lanes.computeIfAbsent(destination, d -> new Lane());
        if (lane.active < width) {
            lane.active++;
            return Entry.RUN_NOW;
        }
        if (lane.parked.size() < width * PARKING_FACTOR) {
            lane.parked.add(() -> {
                try {
                    work.run();
                } finally {
                    leave(destination);
                }
            });
            return Entry.PARKED;
        }
        return Entry.TURNED_AWAY;
    }

    /** A job left the lane: the next parked one (if any) takes its place on a worker. */
    void leave(String destination) {
        Runnable next;
        synchronized (this) {
            Lane lane = lanes.get(destination);
            next = lane.parked.poll();
            if (next == null) {
                lane.active--;
                if (lane.active == 0) lanes.remove(destination);
                return;
            }
        }
        try {
            executor.execute(next);
        } catch (RejectedExecutionException shuttingDown) {
            // the relay is stopping: the parked job's recipients keep their lease and come back at the next start
        }
    }

    synchronized int active(String destination) {
        Lane lane = lanes.get(destination);
        return lane == null ? 0 : lane.active;
    }
}
