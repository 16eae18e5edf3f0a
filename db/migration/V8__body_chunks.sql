-- Message bodies in the database itself, for a PostgreSQL queue that several nodes share
-- (DatabaseBodies): any node can then read a body any other node took in. A body is the
-- chunks of one key (the queue id), in order, each at most 64 KB, written as the session
-- receives them, so neither writing nor reading ever holds a whole message. `node` and
-- `written_at` (wall-clock epoch milliseconds) tell a body a live node is still writing from
-- one left by a crash, for the start-up sweep. The embedded H2 queue keeps its bodies as
-- spool files under queue.dir and leaves this table empty.
CREATE TABLE body_chunk (
    body_key      VARCHAR(64)   NOT NULL,
    seq           INTEGER       NOT NULL,
    data          BYTEA         NOT NULL,
    node          VARCHAR(64)   NOT NULL,
    written_at    BIGINT        NOT NULL,
    PRIMARY KEY (body_key, seq)
);
-- The sweep looks up, for each key, whether a message names it.
CREATE INDEX message_body_ref ON message (body_ref);
