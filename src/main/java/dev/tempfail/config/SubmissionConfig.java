package dev.tempfail.config;

import java.util.Optional;

/** The submission listener (RFC 6409, the 587 convention): STARTTLS, then AUTH, then mail; off when {@code listen} is empty. */
public record SubmissionConfig(Optional<HostPort> listen) {
    static SubmissionConfig from(Settings s) {
        return new SubmissionConfig(s.optionalHostPort("submission.listen", 587));
    }
}
