package dev.tempfail.smtp;

/** The server answered 421: it is closing the connection; the reply stands for everything still open. */
final class ServerClosing extends Exception {
    final Stage stage;
    final SmtpReply reply;

    ServerClosing(Stage stage, SmtpReply reply) {
        super(reply.toString(), null, false, false);
        this.stage = stage;
        this.reply = reply;
    }
}
