-- Schema version 1: every logical tree of the store as rows of one
-- key-value table, plus the audit sequence and shared settings.
-- Applied inside the migration transaction; IF NOT EXISTS keeps a re-run
-- harmless. Only SQL that CockroachDB and YugabyteDB also accept.

CREATE TABLE IF NOT EXISTS supportbot_kv (
    tree  text  NOT NULL,
    key   bytea NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (tree, key)
);

-- Audit sequence numbers: non-transactional, so concurrent commits never
-- wait on one counter row (gaps after a refused or failed commit are fine).
CREATE SEQUENCE IF NOT EXISTS supportbot_audit_seq;

-- Values every instance must share, such as the confirmation-token key.
CREATE TABLE IF NOT EXISTS supportbot_meta (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);
