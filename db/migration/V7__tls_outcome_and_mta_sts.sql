-- Issue 14: the TLS outcome of each try, and MTA-STS policies kept across restarts.

-- The TLS the try ran over: protocol and cipher ("TLSv1.3 TLS_AES_256_GCM_SHA384"), NULL for
-- clear text or no connection; and whether the certificate chain and name were verified.
ALTER TABLE attempt ADD COLUMN tls VARCHAR(128);
ALTER TABLE attempt ADD COLUMN tls_verified BOOLEAN;

-- RFC 8461 §5.1: a policy is cached for its max_age, and a restart must not forget it (an
-- attacker who blocks the fetch could otherwise downgrade the domain). The body is kept as
-- served and parsed again when read.
CREATE TABLE mta_sts_policy (
    domain      VARCHAR(255)  NOT NULL PRIMARY KEY,
    policy_id   VARCHAR(32)   NOT NULL,              -- the id of the _mta-sts TXT record it was fetched for
    policy      VARCHAR(65536) NOT NULL,
    fetched_at  BIGINT        NOT NULL,
    expires_at  BIGINT        NOT NULL
);
