package dev.tempfail.smtp;

import java.util.List;

/**
 * How one MAIL transaction ended.
 *
 * @param deferred  recipients the server had no room for ("too many recipients"): they go in the next transaction
 * @param needRset  the transaction was abandoned before the final dot, so RSET comes before the next one
 */
record TransactionOutcome(List<Integer> deferred, boolean needRset) {}
