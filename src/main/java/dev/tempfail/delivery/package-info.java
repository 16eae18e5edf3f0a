/**
 * Taking mail out: the scheduler leases due recipients from the queue, fair lanes per
 * destination bound the connections to each, and workers route each job
 * ({@code route}), deliver it ({@code smtp}), classify every reply and decide the next try
 * ({@code reply}), record the outcome with its destination throttles in one transaction, queue
 * the DSNs it calls for ({@code dsn}) and the webhook events ({@code events}).
 *
 * <p>May import: config, queue, route, smtp, reply, dsn, events, message, maillog, tls.
 * Never imported by: queue, intake, route, smtp, reply, dsn, message, config, admin.
 */
package dev.tempfail.delivery;
