/**
 * The retry lab: a scripted receiving SMTP server ({@link dev.tempfail.lab.LabReceiver}, driven
 * by a {@link dev.tempfail.lab.LabScript}; the tests' fake next hop too), a time-scaled clock,
 * and {@code lab run}, which starts a relay on that clock through its public entry point
 * ({@link dev.tempfail.Relay#start}), as a client would, and reports what became of each
 * recipient.
 *
 * <p>May import: dev.tempfail, config, queue (to read the attempts of its own throw-away queue)
 * and smtp (the relay's own client hands the test messages in, as an application's would, and
 * its socket timeouts are the relay's).
 * Never imported by: any package the relay is made of; only cli uses it.
 */
package dev.tempfail.lab;
