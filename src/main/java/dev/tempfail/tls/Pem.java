package dev.tempfail.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes PEM files: certificate chains, and private keys in the three forms
 * operators have (PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}, SEC1
 * {@code EC PRIVATE KEY}). Encrypted keys are not supported: the relay starts unattended.
 */
public final class Pem {
    private Pem() {}

    /** Every certificate in the file, in order (the server's own first, then its chain). */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) out.add(converter.getCertificate(h));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a valid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IOException(file + ": no CERTIFICATE block in it");
        return out;
    }

    /** The first private key in the file. */
    public static PrivateKey privateKey(Path file) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PEMKeyPair pair) return converter.getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 may omit the public key
                if (o instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
            }
        }
        throw new IOException(file + ": no unencrypted PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block in it");
    }

    /** One object (a certificate or a key) as PEM text. */
    static String encode(Object object) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(object);
        }
        return s.toString();
    }
}
