/**
 * The admin HTTP listener ({@code admin.listen}, a bearer token): the JSON API over the queue
 * and the operator's verbs ({@link dev.tempfail.admin.QueueApi}), {@code /healthz} and
 * {@code /readyz}, {@code /metrics} for Prometheus, and the dashboard with its retry timeline
 * drawing ({@link dev.tempfail.admin.Timeline}, shared with the lab's HTML report).
 *
 * <p>Read-mostly: it reads the queue and asks the queue's {@code OperatorActions} to change it.
 * May import: config, queue, reply, message, maillog.
 * Never imported by: queue, intake, delivery, route, smtp, reply, dsn, message, config, lab.
 */
package dev.tempfail.admin;
