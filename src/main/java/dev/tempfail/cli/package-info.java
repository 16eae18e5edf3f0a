/**
 * The {@code tempfail} command line (picocli): {@link dev.tempfail.cli.Main} and one class per
 * subcommand ({@code serve}, {@code queue}, {@code destination}, {@code node}, {@code config},
 * {@code classify}, {@code schedule}, {@code lab}, {@code user}), their text output, and the
 * client that asks a running relay's admin API (or, when none answers, the queue database
 * directly through the same routes).
 *
 * <p>The top of the graph: it may import every package of ours, and nothing imports it.
 * May import: dev.tempfail, admin, lab, config, queue, delivery, reply, smtp, auth, maillog.
 * Never imported by: anything.
 */
package dev.tempfail.cli;
