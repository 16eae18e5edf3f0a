/**
 * Delivery events for a webhook ({@code events.webhook}): which events a recorded try calls for
 * ({@link dev.tempfail.events.DeliveryEvents}: delivered, bounced, expired, delayed at the
 * delay-warning moment, and deferred only on the first deferral and when the category changes,
 * never once per retry), and the sender that POSTs them, signed, at least once with backoff
 * ({@link dev.tempfail.events.WebhookSender}).
 *
 * <p>Events are queued in the {@code event} table by the queue, in the transaction that records
 * the try; this package builds them and sends them. May import: config, queue, Jackson. Delivery
 * calls {@code DeliveryEvents}; the relay starts the sender.
 * Never imported by: queue, intake, smtp, reply, route, dsn, config.
 */
package dev.tempfail.events;
