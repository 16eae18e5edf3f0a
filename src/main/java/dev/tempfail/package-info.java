/**
 * The running relay, wired in one place: {@link dev.tempfail.Relay} opens the queue and starts
 * the SMTP listeners that fill it, the delivery workers that empty it, the admin HTTP listener,
 * the webhook sender and the purge of old history, each given its configuration and clock.
 * {@link dev.tempfail.Relay#start} is the public entry point: {@code tempfail serve}, the retry
 * lab and the tests start a relay through it, as any embedding client would.
 *
 * <p>May import: config, queue, intake, delivery, events, admin, maillog, smtp (the socket timeouts
 * a scaled start is given).
 * Never imported by: config, queue, intake, delivery, events, admin, maillog, nor anything below
 * them; only its clients cli and lab start it.
 */
package dev.tempfail;
