package dev.tempfail.queue;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The queue as people and tools see it (CLI, admin API, dashboard): plain values, times as
 * ISO-8601 strings, field names as they appear in JSON (snake_case by the JSON mapper).
 */
public final class QueueView {
    private QueueView() {}

    public record LastReply(Integer code, String status, String text, String host, String stage) {}

    /**
     * One try of one recipient.
     *
     * @param ip        the address and port it went to
     * @param reply     the whole reply, every line
     * @param waitS     the wait chosen after it (deferred only)
     * @param why       why that wait (the retry policy's words)
     * @param tls         the TLS protocol and cipher the try ran over; null for clear text or no connection
     * @param tlsVerified with TLS: whether the certificate chain and name were verified
     */
    public record Try(String at, String host, String ip, String stage, Integer code, String status, String reply,
                      String verdict, String category, Long waitS, String nextAttemptAt, String why, String tls,
                      Boolean tlsVerified) {}

    /** A recipient; {@code tries} is given by {@code show} (every attempt), left out of listings. */
    public record Recipient(String address, String state, int attempts, String nextAttemptAt, String category,
                            LastReply lastReply, String orcpt,
                            @JsonProperty("notify") String notifyOn, String finalAt, String delayNotifiedAt,
                            List<Try> tries) {}

    /** An operator's action on the message: what, when, how many recipients it changed, from where. */
    public record Action(String at, String action, int recipients, String origin) {}

    /**
     * One message with everything about it.
     *
     * @param authUser       the user the client authenticated as (submission), if it did
     * @param finishedAt     when its last recipient became final; null while it is still in the queue
     * @param expiresAt      when recipients still failing temporarily expire (arrival + retry.lifetime)
     * @param delayWarningAt when the delay warning is (or was) due (arrival + retry.delay_warning); null if off
     * @param bodyKept       whether its bytes are still stored ({@code queue cat})
     * @param events         its delivery events for the webhook ({@code events.webhook})
     */
    public record Message(String queueId, String sender, String subject, long size, String receivedAt, String envid,
                          String ret, String client, String authUser, boolean isDsn, String finishedAt, String expiresAt,
                          String delayWarningAt, boolean bodyKept, List<Recipient> recipients, List<Action> actions,
                          List<Event> events) {}

    /**
     * A delivery event for the webhook ({@code events.webhook}) about one recipient.
     *
     * @param state pending (not yet taken by the receiver) or sent
     */
    public record Event(String kind, String recipient, String at, String state, int tries, String sentAt,
                        String nextTryAt, String lastError) {}

    /** One line of {@code queue list}: a message and how its recipients stand. */
    public record Summary(String queueId, String sender, String subject, long size, String receivedAt, String finishedAt,
                          List<Recipient> recipients) {}

    /** A destination being held back after what it said (or by the operator): paused, fewer connections, or an hourly cap. */
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
    /** The listing: how many messages match, the first {@code limit} of them, and the destinations throttled. */
    public record Listing(int total, List<Summary> messages, List<Throttle> throttled) {}

    /** Recipients by state and by category, for the dashboard's totals (unfinished mail, and history). */
    public record Totals(java.util.Map<String, Integer> byState, java.util.Map<String, Integer> byCategory,
                         int messages, int finishedMessages) {}

    /** What an operator action did: how many recipients of which messages it changed; {@code busy} were being tried. */
    public record ActionResult(String action, int recipients, List<String> messages, int busy, String note) {}
}
