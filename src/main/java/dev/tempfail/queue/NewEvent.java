package dev.tempfail.queue;

import java.time.Instant;

/**
 * A delivery event to queue for the webhook with the try it is about.
 *
 * @param kind delivered, bounced, expired, delayed or deferred
 * @param body the JSON to POST, as it will be signed
 */
public record NewEvent(String queueId, String recipient, String kind, Instant at, String body) {}
