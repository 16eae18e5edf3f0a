package dev.tempfail.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the durable queue lives, and how durable a commit is.
 *
 * @param fsync   force every (group) commit to the disk before it counts: a 250 then survives a
 *                power loss; without it, a 250 survives the death of the process but not of the machine
 * @param nodeId  this node's name as the owner of the leases it takes ({@code queue.node_id}; default: the
 *                host name): nodes sharing one queue must have different names, a restarted node the same one
 * @param minFree the free space {@code dir}'s filesystem keeps: below it MAIL is refused with 452 4.3.1
 *                (Postfix's queue_minfree); by default the larger of 1 GB and 1.5 times the largest message
 * @param keepFinished how long a finished message (delivered, failed, expired, deleted) stays readable
 *                with its attempts ({@code queue show}), before it is purged
 * @param keepBodies keep a finished message's body for that time too ({@code queue cat}); false drops
 *                it as soon as the message is finished
 */
public record QueueConfig(Path dir, boolean fsync, String nodeId, long minFree, Duration keepFinished, boolean keepBodies) {
    static QueueConfig from(Settings s) {
        String nodeId = s.isNull("queue.node_id") ? localHostName() : s.text("queue.node_id");
        if (!nodeId.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw s.error("queue.node_id", "must be 1 to 64 letters, digits, '.', '_', ':' or '-', got '" + nodeId + "'");
        }
        long minFree = s.isNull("queue.min_free")
                ? Math.max(1L << 30, s.size("smtp.max_message_size") * 3 / 2) : s.size("queue.min_free");
        return new QueueConfig(s.path("queue.dir"), s.bool("queue.fsync"), nodeId, minFree, s.duration("queue.keep_finished"),
                s.bool("queue.keep_bodies"));
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._:-]", "-");
            return name.isEmpty() ? "localhost" : name.substring(0, Math.min(64, name.length()));
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
