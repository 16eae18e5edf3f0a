/**
 * The mail log: every event an operator follows a message by (received, rejected, sent,
 * deferred, bounced, expired, notified, removed, operator actions) is written here and only
 * here, one line per event in Postfix's words, and counted for {@code /metrics} at the same
 * place, so the log and the counters cannot disagree.
 *
 * <p>Lines carry a program tag per stage, as Postfix's daemons do ({@code tempfail/smtpd},
 * {@code tempfail/cleanup}, {@code tempfail/qmgr}, {@code tempfail/smtp},
 * {@code tempfail/bounce}, {@code tempfail/admin}): the logger name is the tag. The layouts
 * ({@link dev.tempfail.maillog.SyslogLayout} for {@code log.format: text},
 * {@link dev.tempfail.maillog.JsonLayout} for {@code json}) and {@link dev.tempfail.maillog.LogSetup}
 * ({@code log.file}, {@code log.level}) configure Logback for the whole process.
 *
 * <p>May import: config (for the log settings; Micrometer, SLF4J and Logback). Nothing here
 * reads the queue or the network; callers hand in plain values.
 * Never imported by: queue, smtp, reply, route, dsn, config.
 */
package dev.tempfail.maillog;
