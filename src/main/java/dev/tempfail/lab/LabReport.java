package dev.tempfail.lab;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * What a {@code lab run} came to, in a form that prints as JSON as it stands (snake_case,
 * nulls left out): per recipient the timeline of attempts and the outcome, the DSNs the
 * sender's mailbox received, and totals. Times are on the lab clock: {@code at}/{@code at_s}
 * count from the message's arrival at the relay, {@code time} is the scaled wall-clock time.
 *
 * @param turns    the sending turns the relay took for a destination held to an hourly rate, in order
 * @param problems what went wrong in the relay itself (a refused submission, errors it logged, a
 *                 run that did not finish in time); empty when the run was sound, whatever
 *                 happened to the mail
 */
@JsonPropertyOrder({"script", "description", "time_scale", "messages", "started", "lifetime_s", "delay_warning_s",
        "recipients", "dsns", "turns", "totals", "elapsed", "problems"})
public record LabReport(String script, String description, double timeScale, int messages, String started,
                        long lifetimeS, Long delayWarningS, List<Recipient> recipients, List<Dsn> dsns, List<Turn> turns, Totals totals,
                        Elapsed elapsed, List<String> problems) {

    public LabReport {
        recipients = List.copyOf(recipients);
        dsns = List.copyOf(dsns);
        turns = List.copyOf(turns);
        problems = List.copyOf(problems);
    }

    /** One recipient of one test message. {@code outcome}: delivered, failed, expired, or pending (never settled). */
    @JsonPropertyOrder({"address", "queue_id", "arrived", "arrived_s", "outcome", "status", "attempts"})
    public record Recipient(String address, String queueId, String arrived, long arrivedS, String outcome, String status,
                            List<Attempt> attempts) {
        public Recipient {
            attempts = List.copyOf(attempts);
        }
    }

    /**
     * One try.
     *
     * @param atS      seconds after the message arrived
     * @param at       the same as {@code +6m26s}
     * @param time     the lab clock's time (ISO-8601)
     * @param verdict  delivered, transient or permanent (the classifier's outcome)
     * @param state    what the policy made of it: deferred, delivered, failed, expired
     * @param retryInS the wait before the next try (deferred only)
     */
    @JsonPropertyOrder({"attempt", "at", "at_s", "time", "stage", "reply", "verdict", "category", "status", "state", "retry_in_s"})
    public record Attempt(int attempt, String at, long atS, String time, String stage, String reply, String verdict,
                          String category, String status, String state, Long retryInS) {}

    /** A DSN as the sender's mailbox got it: one entry per recipient block of its delivery-status part. */
    @JsonPropertyOrder({"time", "at_s", "to", "subject", "action", "status", "final_recipient", "diagnostic_code"})
    public record Dsn(String time, long atS, String to, String subject, String action, String status,
                      String finalRecipient, String diagnosticCode) {}

    /**
     * A sending turn under an hourly rate, as the relay booked it: at {@code time} it sent to
     * {@code destination} and allowed the next transaction there from {@code next} on.
     */
    @JsonPropertyOrder({"destination", "time", "at_s", "next"})
    public record Turn(String destination, String time, long atS, String next) {}

    /** {@code attempts_per_delivery}: attempts of the delivered recipients over their number (null when none). */
    @JsonPropertyOrder({"delivered", "failed", "expired", "pending", "attempts", "attempts_per_delivery"})
    public record Totals(int delivered, int failed, int expired, int pending, int attempts, Double attemptsPerDelivery) {}

    /** How long the run took: real seconds, and scaled seconds from the start of the run to the last event. */
    @JsonPropertyOrder({"real_s", "scaled_s"})
    public record Elapsed(double realS, long scaledS) {}

    public boolean sound() {
        return problems.isEmpty();
    }
}
