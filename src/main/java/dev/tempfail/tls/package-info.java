/**
 * TLS material: the relay's own certificate and key (from PEM files, or a self-signed pair made
 * at first start), the trust anchors a delivery checks certificates against, and the one list of
 * protocol versions we speak (TLS 1.2 and 1.3).
 *
 * <p>Used by {@code intake} (STARTTLS and the implicit-TLS listener) and by {@code delivery}
 * (verified outbound TLS). BouncyCastle only reads PEM and builds the self-signed certificate
 * (no JCE provider is registered: the JDK does the cryptography).
 *
 * <p>May import: nothing of ours. Never imported by: queue, reply, route, config.
 */
package dev.tempfail.tls;
