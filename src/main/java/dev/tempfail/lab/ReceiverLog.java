package dev.tempfail.lab;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every command the fake receiver read and every reply it sent, in order, on the lab clock:
 * {@code 2026-01-05T10:00:01.250Z [3] > RCPT TO:<a@lab.example>} and {@code ... [3] < 451 4.7.1 ...}.
 * Bounded: past {@link #LIMIT} entries the oldest are dropped (and counted).
 */
public final class ReceiverLog {
    static final int LIMIT = 200_000;

    /**
     * One line: {@code >} a command from the client, {@code <} a reply, {@code *} an event
     * (connection, message). For a command: whether it came over TLS, and whether the client had
     * already sent more ({@code moreInputWaiting}, which shows PIPELINING).
     */
    public record Entry(Instant at, int session, char direction, String line, boolean tls, boolean moreInputWaiting) {
        /** A command's verb: {@code MAIL}, {@code RCPT}, {@code EHLO}, ... */
        public String verb() {
            int sp = line.indexOf(' ');
            int colon = line.indexOf(':');
            int end = sp < 0 ? line.length() : sp;
            if (colon > 0 && colon < end) end = colon;
            return line.substring(0, end).toUpperCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return at + " [" + session + "] " + direction + " " + line;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();
    private long dropped;

    /** {@code listener} sees every entry as it is added (e.g. to print it); it must not block. */
    public void listen(Consumer<Entry> listener) {
        listeners.add(listener);
    }

    void add(Instant at, int session, char direction, String line) {
        add(at, session, direction, line, false, false);
    }

    void add(Instant at, int session, char direction, String line, boolean tls, boolean moreInputWaiting) {
        Entry e = new Entry(at, session, direction, line, tls, moreInputWaiting);
        synchronized (this) {
            if (entries.size() >= LIMIT) {
                entries.subList(0, LIMIT / 10).clear();
                dropped += LIMIT / 10;
            }
            entries.add(e);
        }
        for (Consumer<Entry> l : listeners) l.accept(e);
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    public synchronized long dropped() {
        return dropped;
    }

    /** The whole log as text, one entry a line. */
    public String text() {
        StringBuilder b = new StringBuilder();
        long lost = dropped();
        if (lost > 0) b.append("(").append(lost).append(" older entries dropped)\n");
        for (Entry e : entries()) b.append(e).append('\n');
        return b.toString();
    }
}
