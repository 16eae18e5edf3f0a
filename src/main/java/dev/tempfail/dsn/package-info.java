/**
 * Delivery status notifications (RFC 3464 inside an RFC 6522 {@code multipart/report}): the
 * message that tells a sender what became of their mail. Pure: a {@link dev.tempfail.dsn.DsnRequest}
 * goes in, the complete report comes out as bytes (CRLF line endings), ready to be queued as a
 * new message from the null sender {@code <>} to the original envelope sender. No database,
 * no clock (the time is in the request), no sockets.
 *
 * <p>A report has three parts, as Postfix's bounce(8) writes them:
 * <ol>
 * <li>{@code text/plain}: for the person. What happened to each recipient, in plain words by
 *     reply category ({@code Reasons}), the remote server's reply quoted
 *     verbatim, and what to do about it ({@code NoticeText}).</li>
 * <li>{@code message/delivery-status}: for programs. One block of per-message fields, then one
 *     block per recipient ({@code DeliveryStatusFields}); always 7-bit.</li>
 * <li>The original: the whole message ({@code message/rfc822}) when RET=FULL asked for it and it
 *     is not over the size limit, else its header section ({@code text/rfc822-headers})
 *     ({@code ReturnedOriginal}).</li>
 * </ol>
 *
 * <p>An expired recipient is a {@link dev.tempfail.dsn.DsnKind#FAILED} one with a 4.x.x status
 * (the relay uses 4.4.7) and its last reply as the diagnostic: the text then says how long we
 * tried, not that the server refused.
 *
 * <p>May import: reply, message. Never imported by: queue, smtp, reply, route, intake, config.
 */
package dev.tempfail.dsn;
