package dev.tempfail.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Idle SMTP connections kept for a moment after a transaction, so that the next message to
 * the same host skips the TCP handshake, the greeting, EHLO and TLS (as Postfix's
 * {@code smtp_connection_cache_on_demand}, with its 2 s {@code smtp_connection_cache_time_limit}).
 * A connection is cached only after a successful RSET, is closed when it has been idle for
 * the time limit, and is checked again when taken: one the server closed, or on which it
 * said something while idle (a 421), is thrown away.
 */
final class ConnectionCache {
    /** Idle connections kept per host at most: enough for a full lane of workers. */
    static final int PER_HOST = 32;

    record Idle(SmtpConnection connection, EhloCapabilities capabilities) {}

    private final Duration timeLimit;
    private final Map<Target, Deque<Idle>> idle = new HashMap<>();

    ConnectionCache(Duration timeLimit) {
        this.timeLimit = timeLimit;
    }

    /** A live idle connection to {@code target}, or null. */
    Idle take(Target target) {
        while (true) {
            Idle i;
            synchronized (this) {
                Deque<Idle> q = idle.get(target);
                i = q == null ? null : q.pollLast();
            }
            if (i == null) return null;
            if (i.connection().stillIdle()) return i;
            i.connection().close();
        }
    }

    /** Keeps a connection that has just been reset; it is closed if nobody takes it within the time limit. */
    void put(Target target, SmtpConnection connection, EhloCapabilities capabilities, Duration quitTimeout) {
        Idle i = new Idle(connection, capabilities);
        synchronized (this) {
            Deque<Idle> q = idle.computeIfAbsent(target, t -> new ArrayDeque<>());
            if (q.size() >= PER_HOST) {
                connection.quit(quitTimeout);
                return;
            }
            q.addLast(i);
        }
        DeadlineOutputStream.alarm(timeLimit, () -> expire(target, i, quitTimeout));
    }

    /** Says QUIT on every idle connection and closes it. */
    void closeAll(Duration quitTimeout) {
        List<Idle> all = new ArrayList<>();
        synchronized (this) {
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        for (Idle i : all) i.connection().quit(quitTimeout);
    }

    private void expire(Target target, Idle i, Duration quitTimeout) {
        synchronized (this) {
            Deque<Idle> q = idle.get(target);
            if (q == null || !q.remove(i)) return; // taken meanwhile
            if (q.isEmpty()) idle.remove(target);
        }
        i.connection().quit(quitTimeout);
    }
}
