-- Fenced leases and indexes that keep the scheduler's queries independent of the queue's size.
-- See the contract in dev/tempfail/queue/package-info.java. SQL that H2 and PostgreSQL both accept.

-- Which lease of its owner a leased recipient belongs to: a write to the row names owner and
-- token, so a job whose lease expired and was taken over can no longer change it.
ALTER TABLE recipient ADD COLUMN lease_token BIGINT;

-- The due index. B-trees keep NULLs (leased, final and held rows have no next_attempt_at), so
-- the old single-column index made "next_attempt_at <= now" walk every one of them. Keyed by
-- state first, the due queries are ranges bounded on both sides inside one state
-- (state = 'queued' or 'deferred', next_attempt_at BETWEEN 0 AND now): they never visit a
-- leased, final or held row.
DROP INDEX recipient_due;
CREATE INDEX recipient_due ON recipient (state, next_attempt_at);

-- Reading back what a lease won, extending a node's leases, freeing them at start-up.
CREATE INDEX recipient_lease_owner ON recipient (lease_owner, lease_token);
-- recipient_lease (lease_until) from V1 serves the reclaim of expired leases, queried as the
-- bounded range lease_until BETWEEN 0 AND now so that it skips the NULLs of unleased rows.
