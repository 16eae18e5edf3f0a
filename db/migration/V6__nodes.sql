-- The relays (nodes) that use this queue, one row per queue.node_id: several share one
-- PostgreSQL queue, an H2 queue has one. Each node heartbeats while it runs, so that
-- `tempfail node list` and GET /api/nodes show which are alive and what each holds.
-- Times are wall-clock epoch milliseconds.
CREATE TABLE node (
    id            VARCHAR(64)   NOT NULL PRIMARY KEY,
    started_at    BIGINT        NOT NULL,
    heartbeat_at  BIGINT        NOT NULL,
    stopped_at    BIGINT,                            -- set by a clean stop; NULL while it runs (or if it died)
    smtp_listen   VARCHAR(300),
    admin_listen  VARCHAR(300)
);
