package dev.tempfail.smtp;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bounds every write (and flush) with a timeout. Java's blocking sockets have a read timeout
 * but no write timeout, so a server that stops reading would block the worker forever; here a
 * single shared daemon timer closes the underlying TCP socket when a write overruns, and the
 * blocked write fails with {@link SmtpTimeoutException}. The timer does nothing else: the SMTP
 * conversation runs entirely on the caller's thread.
 */
final class DeadlineOutputStream extends OutputStream {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final OutputStream out;
    private final Socket tcp;
    private volatile boolean timedOut;
    private Duration timeout = Duration.ofMinutes(5);
    private String doing = "writing";

    DeadlineOutputStream(OutputStream out, Socket tcp) {
        this.out = out;
        this.tcp = tcp;
    }

    /** The bound for the writes that follow, and what they are for (for the error message). */
    void limit(Duration timeout, String doing) {
        this.timeout = timeout;
        this.doing = doing;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> alarm = arm();
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw timedOut ? new SmtpTimeoutException(timeout, doing) : e;
        } finally {
            alarm.cancel(false);
        }
    }

    @Override
    public void flush() throws IOException {
        ScheduledFuture<?> alarm = arm();
        try {
            out.flush();
        } catch (IOException e) {
            throw timedOut ? new SmtpTimeoutException(timeout, doing) : e;
        } finally {
            alarm.cancel(false);
        }
    }

    /** Runs {@code action} with the current timeout armed; for the TLS handshake. */
    static ScheduledFuture<?> alarm(Duration timeout, Runnable action) {
        return TIMER.schedule(action, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    private ScheduledFuture<?> arm() {
        return alarm(timeout, () -> {
            timedOut = true;
            try {
                tcp.close();
            } catch (IOException ignored) {
                // closing is all we can do
            }
        });
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "tempfail-smtp-write-timeout");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
