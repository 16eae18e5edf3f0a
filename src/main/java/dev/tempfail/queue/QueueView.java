package dev.tempfail.queue;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The queue as people and tools see it (CLI, admin API): plain values, times as ISO-8601
 * strings, field names as they appear in JSON (snake_case by the JSON mapper).
 */
public final class QueueView {
    private QueueView() {}

    public record LastReply(Integer code, String status, String text, String host, String stage) {}

    public record Recipient(String address, String state, int attempts, String nextAttemptAt, String category,
                            LastReply lastReply, String orcpt,
                            @JsonProperty("notify") String notifyOn, String finalAt) {}

    public record Message(String queueId, String sender, long size, String receivedAt, String envid, String ret,
                          String client, String authUser, boolean isDsn, List<Recipient> recipients, List<Event> events) {}

    /**
     * A delivery event for the webhook ({@code events.webhook}) about one recipient.
     *
     * @param state pending (not yet taken by the receiver) or sent
     */
    public record Event(String kind, String recipient, String at, String state, int tries, String sentAt,
                        String nextTryAt, String lastError) {}

    /** One line of {@code queue list}: a message and how its recipients stand. */
    public record Summary(String queueId, String sender, long size, String receivedAt, List<Recipient> recipients) {}

    /** A destination being held back after what it said: paused, fewer connections, or an hourly cap. */
    public record Throttle(String destination, String pausedUntil, Integer maxConnections, Integer maxPerHour,
                           String reason, String since) {}

    /**
     * A relay using this queue ({@code queue.node_id}): {@code state} is {@code running} (a
     * heartbeat within {@link NodeHeartbeat#SILENT_AFTER}), {@code silent} (none since: it died or
     * lost the database; its leases expire and other nodes take its work) or {@code stopped}
     * (a clean stop); {@code leased} is how many recipients it holds right now.
     */
    public record Node(String node, String state, String startedAt, String lastSeen, String smtp, String admin,
                       int leased) {}

    /** The queue listing, with the destinations currently throttled. */
    public record Listing(int total, List<Summary> messages, List<Throttle> throttled) {}
}
