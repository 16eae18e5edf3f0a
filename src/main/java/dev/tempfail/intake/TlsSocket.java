package dev.tempfail.intake;

import org.subethamail.smtp.server.Session;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client connection once TLS is on, as SubEtha's {@link Session} uses it: the TLS socket's
 * streams, with our reply rewriting on the way out ({@link StandardReplies}), which SubEtha's
 * own STARTTLS would lose. Only what Session calls is passed on.
 */
final class TlsSocket extends Socket {
    private final SSLSocket ssl;
    private final AtomicReference<StandardReplies.ReplyWatch> watch;
    private OutputStream out;

    TlsSocket(SSLSocket ssl, AtomicReference<StandardReplies.ReplyWatch> watch) {
        this.ssl = ssl;
        this.watch = watch;
    }

    AtomicReference<StandardReplies.ReplyWatch> watch() {
        return watch;
    }

    /** The TLS session of this client, if its connection is encrypted. */
    static Optional<SSLSession> of(Session session) {
        return session.getSocket() instanceof TlsSocket t ? Optional.of(t.session()) : Optional.empty();
    }

    SSLSession session() {
        return ssl.getSession();
    }

    /** Runs the handshake now (STARTTLS answers it at once; the implicit-TLS listener lets the greeting start it). */
    void handshake() throws IOException {
        ssl.startHandshake();
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return ssl.getInputStream();
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (out == null) out = StandardReplies.rewriting(ssl.getOutputStream(), watch);
        return out;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        ssl.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return ssl.getSoTimeout();
    }

    @Override
    public InetAddress getInetAddress() {
        return ssl.getInetAddress();
    }

    @Override
    public int getPort() {
        return ssl.getPort();
    }

    @Override
    public InetAddress getLocalAddress() {
        return ssl.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return ssl.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return ssl.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ssl.getLocalSocketAddress();
    }

    @Override
    public boolean isConnected() {
        return ssl.isConnected();
    }

    @Override
    public boolean isBound() {
        return ssl.isBound();
    }

    @Override
    public boolean isClosed() {
        return ssl.isClosed();
    }

    @Override
    public void close() throws IOException {
        ssl.close();
    }
}
