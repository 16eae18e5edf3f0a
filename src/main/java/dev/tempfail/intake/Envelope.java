package dev.tempfail.intake;

import dev.tempfail.message.Utf8Text;
import dev.tempfail.queue.NewMessage.NewRecipient;
import org.subethamail.smtp.MessageHandler;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One mail transaction's envelope, from MAIL FROM to the end of DATA. SubEtha creates one
 * per transaction (as its {@link MessageHandler}); our MAIL, RCPT and DATA commands fill it
 * and read it, since SubEtha's own handler calls carry neither ESMTP parameters nor a
 * strict view of the DATA stream.
 */
final class Envelope implements MessageHandler {
    private String sender;
    private String ret;
    private String envid;
    private String bodyType;
    private boolean smtputf8;
    private final List<NewRecipient> recipients = new ArrayList<>();

    void sender(String sender, String ret, String envid, String bodyType, boolean smtputf8) {
        this.sender = sender;
        this.smtputf8 = smtputf8;
        this.ret = ret;
        this.envid = envid;
        this.bodyType = bodyType;
    }

    void addRecipient(NewRecipient recipient) {
        recipients.add(recipient);
    }

    String sender() { return sender; }

    String ret() { return ret; }

    String envid() { return envid; }

    String bodyType() { return bodyType; }

    /** The client gave SMTPUTF8 on MAIL FROM: addresses and header fields may be UTF-8. */
    boolean smtputf8() { return smtputf8; }

    /** Whether the sender or a recipient is not ASCII (then only a next hop with SMTPUTF8 may take the message). */
    boolean hasUtf8Address() {
        return Utf8Text.isInternational(sender) || recipients.stream().anyMatch(r -> Utf8Text.isInternational(r.address()));
    }

    List<NewRecipient> recipients() { return List.copyOf(recipients); }

    @Override
    public void from(String from) {
        this.sender = from;
    }

    @Override
    public void recipient(String recipient) {
        recipients.add(new NewRecipient(recipient, null, null));
    }

    /** Never called: {@link DataCommand} reads the stream itself, strictly. */
    @Override
    public String data(InputStream data) {
        throw new UnsupportedOperationException("DATA is read by tempfail's DataCommand");
    }

    @Override
    public void done() {
        // nothing is held outside this object: an aborted transaction leaves no trace
    }
}
