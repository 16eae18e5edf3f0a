/**
 * Who may log in: the users file ({@code auth.users}), one {@code name:bcrypt-hash} line per
 * user as {@code htpasswd -B} writes it, read by the listeners and written by
 * {@code tempfail user}. Passwords are never stored or logged, only their bcrypt hashes
 * (BouncyCastle's OpenBSDBCrypt). Depends on nothing of ours.
 */
package dev.tempfail.auth;
