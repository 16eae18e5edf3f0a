package dev.tempfail.queue;

/** The envelope fields and bytes of a message about to be sent. {@code sender} is "" for {@code <>}. */
public record MessageForDelivery(long id, String queueId, String sender, String envid, String ret, String bodyType,
                                 boolean isDsn, byte[] content) {}
