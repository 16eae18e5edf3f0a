package dev.tempfail.smtp;

/** MAIL FROM and RCPT TO for one envelope, with the parameters the server advertised support for. */
final class EnvelopeCommands {
    private final Envelope env;
    private final long size;

    EnvelopeCommands(Envelope env, long size) {
        this.env = env;
        this.size = size;
    }

    /** With {@code SIZE=}, {@code BODY=8BITMIME}, and under DSN {@code RET=} and {@code ENVID=}, where given. */
    String mail(EhloCapabilities caps) {
        StringBuilder cmd = new StringBuilder("MAIL FROM:<").append(env.sender()).append('>');
        if (caps.has("SIZE") && size > 0) cmd.append(" SIZE=").append(size);
        if (env.eightBitMime() && caps.eightBitMime()) cmd.append(" BODY=8BITMIME");
        if (caps.dsn()) {
            if (env.ret() != null) cmd.append(" RET=").append(env.ret());
            if (env.envid() != null) cmd.append(" ENVID=").append(Xtext.encode(env.envid()));
        }
        return cmd.toString();
    }

    /** RCPT TO for the {@code i}-th recipient, under DSN with {@code NOTIFY=} and {@code ORCPT=}. */
    String rcpt(int i, EhloCapabilities caps) {
        Envelope.Recipient r = env.recipients().get(i);
        StringBuilder cmd = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
        if (caps.dsn()) {
            if (r.notifyOn() != null) cmd.append(" NOTIFY=").append(r.notifyOn());
            if (r.orcpt() != null) {
                int semi = r.orcpt().indexOf(';');
                cmd.append(" ORCPT=").append(r.orcpt(), 0, semi + 1).append(Xtext.encode(r.orcpt().substring(semi + 1)));
            }
        }
        return cmd.toString();
    }
}
