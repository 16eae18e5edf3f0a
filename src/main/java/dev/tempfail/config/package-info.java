/**
 * The configuration: typed, validated settings (records) from the shipped defaults
 * ({@code config/tempfail.yaml}), the user's file and {@code TEMPFAIL_*} overrides
 * ({@link dev.tempfail.config.ConfigLoader}), and the small value types they are made of
 * (durations, host:port, CIDR). A bad value stops start-up with the file, key and reason
 * ({@link dev.tempfail.config.ConfigException}).
 *
 * <p>At the bottom of the graph. May import: nothing of ours (Jackson only).
 * Never imported by: nothing; every package may read its settings.
 */
package dev.tempfail.config;
