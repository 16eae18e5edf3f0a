/**
 * Small RFC 5322 helpers shared by intake, dsn and the admin API: finding fields in a raw header
 * section without changing a byte ({@link dev.tempfail.message.HeaderSection}) and the
 * date-time format of Date:, Received: and DSN fields ({@link dev.tempfail.message.MailDates}).
 *
 * <p>May import: nothing of ours. Never imported by: nothing; it is pure.
 */
package dev.tempfail.message;
