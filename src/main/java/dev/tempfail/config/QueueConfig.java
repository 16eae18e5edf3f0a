package dev.tempfail.config;

import java.nio.file.Path;

/**
 * Where the durable queue lives, and how durable a commit is.
 *
 * @param fsync force every (group) commit to the disk before it counts: a 250 then survives a
 *              power loss; without it, a 250 survives the death of the process but not of the machine
 */
public record QueueConfig(Path dir, boolean fsync) {
    static QueueConfig from(Settings s) {
        return new QueueConfig(s.path("queue.dir"), s.bool("queue.fsync"));
    }
}
