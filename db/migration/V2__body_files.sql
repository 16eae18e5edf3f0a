-- Bodies move out of the database into a body store (spool files beside the H2 file; see
-- BodyStore): a message row names its body by key. NULL: the body is still in message_body,
-- as every message stored before this migration; those stay readable there until delivered.
ALTER TABLE message ADD COLUMN body_ref VARCHAR(64);
