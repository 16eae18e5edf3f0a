package dev.tempfail.smtp;

/** A connection ready for MAIL FROM, and what its server's (last) EHLO advertised. */
record OpenSession(SmtpConnection connection, EhloCapabilities capabilities) {}
