/**
 * Who may log in: the users file ({@code auth.users}), one {@code name:bcrypt-hash} line per
 * user as {@code htpasswd -B} writes it, read by the listeners and written by
 * {@code tempfail user}. Passwords are never stored or logged, only their bcrypt hashes
 * (BouncyCastle's OpenBSDBCrypt).
 *
 * <p>May import: nothing of ours. Never imported by: queue, delivery, route, smtp, reply, dsn.
 */
package dev.tempfail.auth;
