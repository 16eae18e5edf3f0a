/**
 * What a reply means and when to try again: pure functions, no database, no threads, no clock
 * of their own.
 *
 * <p>{@link dev.tempfail.reply.ReplyClassifier} turns one SMTP reply (with the stage it came at
 * and the host that sent it) into a {@link dev.tempfail.reply.Classification}: delivered,
 * transient or permanent, a {@link dev.tempfail.reply.Category}, the enhanced status code to
 * report and any wait the reply asks for. The wording it recognises is data, in ordered rules
 * ({@link dev.tempfail.reply.ReplyRules}: the user's file first, then the shipped
 * {@code config/replies.yaml}); only the RFC fallbacks are code: the enhanced code (RFC 3463),
 * where it can be true of the command answered, then the basic code at that command (RFC 5321).
 * A second reader, {@link dev.tempfail.reply.ReplyModel}, learnt from the labelled corpus of real
 * replies that ships in the jar, overrules the shipped rules and fallbacks where it is sure of
 * another category; never the user's rules, a profile's, or a rule bound to a receiver's hosts
 * or to a command.
 *
 * <p>{@link dev.tempfail.reply.RetryPolicy} turns a classification and a recipient's
 * {@link dev.tempfail.reply.RetryState} into a {@link dev.tempfail.reply.RetryDecision}: when to
 * try again (backoff by category, jitter, lifetime), whether the sender should now be told of the
 * delay, and how the destination as a whole should be treated (pause, fewer connections, a rate).
 * The time comes in as an argument and randomness as an injected generator, so every decision
 * can be replayed in a test. The relay's own bounds are kept here, whatever a reply asks:
 * {@code retry.max_wait_hint} for a reply's wait, {@code retry.max_pause} for a destination pause,
 * and a held recipient's delay warning and lifetime ({@link dev.tempfail.reply.RetryPolicy#heldUntil}).
 *
 * <p>A {@link dev.tempfail.reply.Category} fits the outcome it is given for (a permanent reply is
 * never {@code greylisted} or {@code server_busy}) and says in plain words what it means, for
 * {@code classify} and DSNs. {@link dev.tempfail.reply.DestinationProfiles} is what providers
 * publish about their receiving hosts ({@code config/destinations.yaml}): connection and
 * per-connection message limits for delivery, and their throttling replies as host-bound rules.
 * Both files are bound by Jackson into records ({@code YamlBinding}): unknown keys fail there, the
 * values are checked by their owners, and every error names the file, the entry and the key.
 *
 * <p>May import: config (settings, errors), smtp (its plain reply values).
 * Never imported by: queue, smtp, route, config.
 */
package dev.tempfail.reply;
