package dev.tempfail.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waits for something another thread is doing (a delivery in progress) to be visible, with
 * a bound. This waits for an event, never for a retry time: retries come from the clock.
 */
public final class Await {
    private Await() {}

    public static void until(Duration limit, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + limit + ": " + what);
            Thread.sleep(20); // polling interval for another thread's progress
        }
    }
}
