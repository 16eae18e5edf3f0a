/**
 * The outbound SMTP client: delivers one message to one destination in one transaction and
 * reports, for every recipient, the reply that decided it and the stage it came at.
 *
 * <p>May import: tls. Never imported by: queue, route, tls, config, message.
 *
 * <p>It is pure: no database and no threads of its own (the caller's worker runs
 * {@link dev.tempfail.smtp.SmtpClient#deliver}); a shared daemon timer only closes sockets whose
 * writes overrun, since Java sockets have no write timeout. We speak SMTP on the socket
 * ourselves because Angus Mail's {@code SMTPTransport} (2.0.x) reports recipients' replies only
 * as a chain of exceptions (with {@code mail.smtp.sendpartial}/{@code reportsuccess}), gives
 * one NOTIFY for all recipients and no ORCPT, ENVID or SIZE, does not pipeline, and reports
 * connection trouble as a bare {@code MessagingException} without the stage it happened at.
 *
 * <p>One class per job: {@code SmtpClient} (the entry point and its settings), {@code HostLoop}
 * (the candidate hosts in turn), {@code SessionSetup} (greeting, EHLO/HELO, STARTTLS, login),
 * {@code TransactionLoop} (the transactions on one session, RSET, reuse),
 * {@code LockstepTransaction} and {@code PipelinedTransaction} (the two ways to send one,
 * sharing {@code TransactionSteps} and {@code EnvelopeCommands}), and {@code AttemptState} (the
 * results so far). {@code SmtpConnection} owns the socket, TLS and reply parsing.
 *
 * <h2>The conversation</h2>
 * <ul>
 * <li>Candidate hosts (the MX list, in order) are tried in turn: connection refused or timed
 *     out, a 4xx or 5xx greeting, EHLO and HELO refused, or a plain-text retry after failed TLS
 *     failing too, all move on to the next host. When every host failed, each recipient gets
 *     the last host's error and {@link dev.tempfail.smtp.DeliveryResult#connectionFailed()} is
 *     true. A host that got as far as MAIL FROM gives the final answers for this attempt.</li>
 * <li>EHLO, falling back to HELO on a 5xx. STARTTLS as the {@link dev.tempfail.smtp.TlsPolicy}
 *     says: {@code may} (the default) when offered, any certificate; if the handshake (or the
 *     EHLO after it) fails, a new plain-text connection is made to the same host, as Postfix
 *     does, and a server that declines STARTTLS with a 4xx/5xx other than 421 is talked to in
 *     plain text. {@code encrypt} and {@code verify} never fall back: no STARTTLS (4.7.4) or a
 *     failed handshake or certificate check (4.7.5) is a temporary failure of that host.
 *     {@code verify} checks the chain against the given trust anchors (or the JDK's) and the
 *     host name as HTTPS does. A login ({@link dev.tempfail.smtp.Security.Login}) is AUTH PLAIN
 *     after TLS only; without TLS, or refused, the host fails temporarily (454 4.7.8).
 *     TLS 1.2 and 1.3 only ({@code dev.tempfail.tls}, the one import from our own code).</li>
 * <li>MAIL FROM (with {@code SIZE=}, {@code BODY=8BITMIME}, {@code RET=}, {@code ENVID=} where
 *     advertised and given), one RCPT TO per recipient (with {@code NOTIFY=}, {@code ORCPT=} under
 *     DSN), DATA only if a RCPT was accepted, the content dot-stuffed, QUIT (its reply is not
 *     awaited). Under PIPELINING, MAIL, the RCPTs and DATA go as one group (RFC 2920); if no
 *     RCPT was accepted and the server still says 354, a lone dot ends the transaction.</li>
 * <li>A refused MAIL FROM decides every recipient of the transaction; a refused DATA or the
 *     reply to the final dot decides every recipient RCPT accepted; a refused RCPT decides its
 *     own recipient. A 421 anywhere means the server is closing: it decides every recipient
 *     still open.</li>
 * <li>{@code 452 4.5.3} (or a 452 without enhanced code) to a RCPT after another RCPT was
 *     accepted means "too many recipients": those recipients go in a new transaction on the
 *     same connection after this one's DATA. Without an accepted RCPT before it, it is an
 *     ordinary temporary failure.</li>
 * <li>A lost connection, a timeout or a protocol error in a transaction gives every recipient
 *     still open a synthetic 4xx reply ({@code 451 4.4.2 Connection lost during DATA: ...}),
 *     marked {@link dev.tempfail.smtp.RecipientResult#synthetic()}; never a silent success. A
 *     timeout after the final dot says the message may have been delivered: a duplicate is
 *     acceptable, a loss is not.</li>
 * </ul>
 */
package dev.tempfail.smtp;
