package dev.tempfail.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The relay's server side of TLS: its certificate chain and key, and the server sockets made
 * from them (STARTTLS on an accepted connection, or TLS from the first byte).
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger("tempfail/tls");
    private static final String SELF_SIGNED_CERT = "selfsigned-cert.pem";
    private static final String SELF_SIGNED_KEY = "selfsigned-key.pem";

    private final SSLContext context;
    private final SSLSocketFactory factory;
    private final X509Certificate certificate;

    private ServerTls(SSLContext context, X509Certificate certificate) {
        this.context = context;
        this.factory = context.getSocketFactory();
        this.certificate = certificate;
    }

    /** The server context, for servers that make their own sockets. */
    public SSLContext context() {
        return context;
    }

    /** From the operator's PEM files: the chain (server first) and its private key. */
    public static ServerTls fromPem(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new IOException(keyFile + ": a " + key.getAlgorithm() + " key does not belong to the "
                    + chain.get(0).getPublicKey().getAlgorithm() + " certificate in " + certFile);
        }
        return new ServerTls(context(chain, key), chain.get(0));
    }

    /**
     * The self-signed pair under {@code dir}, made (and logged) on the first call: for a relay
     * nobody configured a certificate for. Clients that verify will refuse it; opportunistic
     * ones (most MTAs, and applications told not to check) encrypt all the same.
     */
    public static ServerTls selfSigned(Path dir, String hostname) throws IOException {
        Path cert = dir.resolve(SELF_SIGNED_CERT);
        Path key = dir.resolve(SELF_SIGNED_KEY);
        if (!Files.exists(cert) || !Files.exists(key)) {
            Files.createDirectories(dir);
            generate(cert, key, hostname);
            log.warn("no smtp.tls.cert configured: created a self-signed certificate for {} in {} (valid 10 years);"
                    + " set smtp.tls.cert and smtp.tls.key to use a real one", hostname, cert.toAbsolutePath().normalize());
        }
        return fromPem(cert, key);
    }

    /** The server's own certificate (the first of the chain). */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Layers server-side TLS over an accepted connection; the handshake runs on first use. */
    public SSLSocket wrap(Socket accepted) throws IOException {
        SSLSocket ssl = (SSLSocket) factory.createSocket(accepted, accepted.getInetAddress().getHostAddress(),
                accepted.getPort(), true);
        ssl.setUseClientMode(false);
        return TlsVersions.restrict(ssl);
    }

    private static SSLContext context(List<X509Certificate> chain, PrivateKey key) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] password = new char[0];
            ks.setKeyEntry("server", key, password, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificate and key: " + e.getMessage(), e);
        }
    }

    private static void generate(Path certFile, Path keyFile, String hostname) throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC"); // P-256: every current TLS client takes it, made in milliseconds
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + hostname);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic());
            // also the loopback names, so that a local application can check the name against the pinned certificate
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, hostname), new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1")}));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Files.writeString(keyFile, "", StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            try {
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's own protection has to do
            }
            Files.writeString(keyFile, Pem.encode(new JcaPKCS8Generator(pair.getPrivate(), null)), StandardCharsets.US_ASCII);
            Files.writeString(certFile, Pem.encode(cert), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create a self-signed certificate: " + e.getMessage(), e);
        }
    }
}
