package dev.tempfail.config;

import java.nio.file.Path;

/** Where the durable queue lives. */
public record QueueConfig(Path dir) {
    static QueueConfig from(Settings s) {
        return new QueueConfig(s.path("queue.dir"));
    }
}
