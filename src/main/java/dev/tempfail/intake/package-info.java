/**
 * Taking mail in, on SubEtha SMTP: the relay listener, the implicit-TLS listener and the
 * submission listener ({@link dev.tempfail.intake.Intake}); access control, client and size
 * limits, the envelope with its DSN parameters, the Received header, and commit-then-250
 * (a message is acknowledged only after the queue has committed it).
 *
 * <p>Where we need a command to behave differently from SubEtha's we replace it, one class per
 * command ({@code EhloCommand}, {@code MailCommand}, {@code RcptCommand}, {@code DataCommand},
 * {@code AuthCommand}, {@code StartTlsCommand}, ...); SubEtha's own fixed reply strings that we
 * word differently are rewritten on the way out by {@link dev.tempfail.intake.StandardReplies}.
 *
 * <p>May import: config, queue, message, maillog, auth, tls, smtp (its xtext codec only).
 * Never imported by: queue, delivery, route, smtp, reply, dsn, message, config, admin, lab.
 */
package dev.tempfail.intake;
