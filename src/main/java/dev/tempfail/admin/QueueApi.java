package dev.tempfail.admin;

import dev.tempfail.queue.QueueReader;

import java.time.Clock;

/**
 * The queue's part of the admin API: the same views and actions as the {@code tempfail queue}
 * and {@code tempfail destination} commands, which call these endpoints while a relay runs.
 */
public final class QueueApi {
    /** {@code limit} when none is given, and the most one listing may ask for. */
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 100_000;

    private final QueueReader reader;
    private final Clock wallClock;

    /** {@code wallClock}: real time, against which node heartbeats are judged. */
    public QueueApi(QueueReader reader, Clock wallClock) {
        this.reader = reader;
        this.wallClock = wallClock;
    }

    public void register(AdminServer admin) {
        admin.get("/api/queue", r -> AdminResponse.ok(reader.list(limit(r.query("limit").orElse(null)))));
        admin.get("/api/queue/{id}", r -> reader.show(r.param("id"))
                .map(AdminResponse::ok)
                .orElseThrow(() -> new AdminResponse.Failure(404, "no message " + r.param("id") + " in the queue")));
        admin.get("/api/destinations", r -> AdminResponse.ok(reader.throttles()));
        admin.get("/api/nodes", r -> AdminResponse.ok(reader.nodes(wallClock.instant())));
    }

    /** A listing's {@code limit}: a positive number up to {@link #MAX_LIMIT}; anything else is refused, never cut. */
    static int limit(String text) {
        if (text == null) return DEFAULT_LIMIT;
        String problem = limitProblem(text);
        if (problem != null) throw new AdminResponse.Failure(400, problem);
        return Integer.parseInt(text);
    }

    /** Why {@code text} is not a valid limit, or null. Shared by the CLI, so both say the same. */
    static String limitProblem(String text) {
        if (!text.matches("-?[0-9]{1,12}")) return "limit must be a number, got '" + text + "'";
        long n = Long.parseLong(text);
        if (n < 1) return "limit must be at least 1, got " + n;
        if (n > MAX_LIMIT) return "limit must be at most " + MAX_LIMIT + ", got " + n + " (narrow the listing with filters)";
        return null;
    }
}
