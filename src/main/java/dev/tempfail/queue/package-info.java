/**
 * The durable queue: messages, recipients, attempts, leases, destination throttles, webhook
 * events (written with the try they are about, {@code EventStore}), the figures for metrics,
 * history and the operator's actions on it; the Flyway start-up ({@code db/migration}) and the
 * group commit that makes a 250 durable; the nodes sharing it. May import: config (and JDBC,
 * H2, PostgreSQL, HikariCP, Flyway). Never imported by: smtp, reply, route, dsn, message, config;
 * delivery, intake and admin call it, it calls none of them.
 *
 * <h2>The queue contract</h2>
 *
 * <p><b>States.</b> One {@code recipient} row carries a recipient's state:
 * {@code queued} (never tried), {@code deferred} (tried, waiting for its next try),
 * {@code delivering} (leased by a node), the final {@code delivered}, {@code failed},
 * {@code expired}, {@code deleted} (by an operator), and {@code held} (by an operator). A
 * message whose recipients are all final is finished ({@code message.finished_at}): it leaves
 * the active queue and stays readable as history for {@code queue.keep_finished}, its body
 * dropped at once unless {@code queue.keep_bodies}; {@link dev.tempfail.queue.History} purges it.
 *
 * <p><b>The due index.</b> {@code next_attempt_at} is set exactly when the state is
 * {@code queued} or {@code deferred}; it is NULL while leased, once final, and while held.
 * The index {@code recipient_due (state, next_attempt_at)} is read only as ranges bounded on
 * both sides inside one state ({@code state = 'queued' AND next_attempt_at BETWEEN 0 AND
 * now}, the same for {@code deferred}), so the due query and the next-due query never visit
 * a leased, final or held row, however many there are. Fresh mail ({@code queued}) and
 * retries ({@code deferred}) are two ranges: the scheduler leases fresh mail first, so it
 * never waits behind a backlog of retries. {@code DeliveryQueueIndexTest} checks the plans.
 *
 * <p><b>Taking a lease.</b> A lease belongs to a node ({@code queue.node_id}) and has a token
 * that is new for every lease call and an expiry {@code lease_until} in wall-clock time (the
 * real time of the injected wall {@code Clock}, not the relay's clock, which runs fast in the
 * retry lab). {@link dev.tempfail.queue.DeliveryQueue#lease} reads due candidates from the
 * index, then takes each with a conditional UPDATE that still requires it to be due
 * ({@code state} and {@code next_attempt_at} unchanged), so two schedulers or two nodes never
 * both win a row; it reads back what it won by {@code (lease_owner, lease_token)}. On
 * PostgreSQL (nodes sharing one queue) the candidates are read {@code FOR UPDATE SKIP LOCKED}:
 * locked as read, and those another node is taking at that moment are passed over instead of
 * waited for. Rows the
 * caller does not admit now (their destination already holds its share of memory) are
 * postponed the same conditional way, not leased.
 *
 * <p><b>Fencing: who may write a leased row.</b> Only the holder of its lease: every write to a
 * {@code delivering} row ({@link dev.tempfail.queue.DeliveryQueue#record},
 * {@link dev.tempfail.queue.DeliveryQueue#release}) is conditional on {@code lease_owner},
 * {@code lease_token} and {@code state = 'delivering'}. The recipients of one job share one
 * lease and are written in one transaction: if any of them is no longer held, the write
 * throws {@link dev.tempfail.queue.LeaseLostException}, nothing of it is stored, and the job
 * logs that its lease was lost. The node that holds the lease now owns the outcome.
 *
 * <p><b>Extending.</b> A node keeps the leases of every job it still holds in memory (running
 * or parked behind its destination's lane) alive with
 * {@link dev.tempfail.queue.DeliveryQueue#extendLeases}, well before they expire; so no lease
 * expires under a job that is still going to run, while a node that died loses its leases
 * after one lease time.
 *
 * <p><b>Reclaiming.</b> A lease that expired (its node died or hung) is freed by any node
 * ({@link dev.tempfail.queue.DeliveryQueue#reclaimExpiredLeases}, an index range on
 * {@code lease_until}): the row goes back to {@code queued} or {@code deferred}, due at once,
 * with owner and token cleared, and the old holder's writes are refused from then on. At
 * start-up a node frees its own leases (its previous run died) and expired ones, never a live
 * lease of another node ({@link dev.tempfail.queue.DeliveryQueue#recoverLeases}).
 *
 * <p><b>Operators.</b> Admin verbs ({@link dev.tempfail.queue.OperatorActions}: hold, release,
 * flush, retry, delete, bounce) change only rows that are not {@code delivering}; a leased row
 * is left to its holder (the verb counts it as busy). A bounce takes its recipients with a lease
 * of its own (owner {@code operator}), so no try can start on them while its report is built.
 *
 * <p><b>Exactly once across nodes.</b> What a try leads to (its attempt, the DSN, a delay
 * warning, the expiry, its webhook event, its throttle change) is written in the fenced
 * transaction that records it, so a node whose lease was taken over writes none of it;
 * {@code ClusterQueueTest} checks it on two queues sharing one PostgreSQL database.
 *
 * <p><b>Throttles.</b> What a try teaches about its destination ({@code destination} table) is
 * written in the transaction that records the try; see {@link dev.tempfail.queue.Destinations}.
 * Pauses and hourly caps are held in the database for all nodes together: every change is
 * applied to the row read {@code FOR UPDATE}, and a cached row is trusted for a second at most
 * on a shared queue. Connection limits are divided among the live nodes of the {@code node}
 * table ({@link dev.tempfail.queue.LiveNodes}): counting connections in the database would add
 * two writes to every delivery and need an expiry for a dead node's counts, while the division
 * costs one small read every few seconds; the shares add up to the limit exactly.
 *
 * <p><b>Bodies.</b> A {@link dev.tempfail.queue.BodyStore}: spool files beside H2
 * ({@link dev.tempfail.queue.SpoolFiles}), chunks in the database on PostgreSQL
 * ({@link dev.tempfail.queue.DatabaseBodies}), where every node reads every body.
 */
package dev.tempfail.queue;
