package dev.tempfail.admin;

import dev.tempfail.queue.QueueStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /healthz} for load balancers: 200 when the relay can take mail — the SMTP listener
 * is listening, a transaction commits to the queue, and the queue's disk has room for at least
 * one more message of the largest size accepted — else 503; the body says which check failed.
 * It needs no token: it tells nothing about the mail.
 */
public final class HealthApi {
    private final BooleanSupplier listening;
    private final QueueStats stats;
    private final Path queueDir;
    private final long neededSpace;

    public HealthApi(BooleanSupplier listening, QueueStats stats, Path queueDir, long neededSpace) {
        this.listening = listening;
        this.stats = stats;
        this.queueDir = queueDir;
        this.neededSpace = neededSpace;
    }

    public void register(Routes routes) {
        routes.open("GET", "/healthz", r -> check());
    }

    private AdminResponse check() {
        long free = freeSpace();
        Map<String, Object> checks = new LinkedHashMap<>();
        checks.put("listening", listening.getAsBoolean());
        checks.put("queue_writable", Files.isWritable(queueDir) && stats.writable());
        checks.put("disk_space", free >= neededSpace);
        boolean ok = checks.values().stream().allMatch(Boolean.TRUE::equals);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ok ? "ok" : "failing");
        body.put("checks", checks);
        body.put("disk_free_bytes", free);
        body.put("disk_needed_bytes", neededSpace);
        return AdminResponse.json(ok ? 200 : 503, body);
    }

    private long freeSpace() {
        try {
            return Files.getFileStore(queueDir).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }
}
