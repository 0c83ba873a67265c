-- 0003: the verifiable audit log (PostgreSQL). Same tables as the SQLite file.
--
-- audit_hashes holds the Merkle tree over audit_log.entry as
-- golang.org/x/mod/sumdb/tlog stores it: id is tlog.StoredHashIndex(level, n),
-- hash the 32-byte SHA-256. An entry's hashes (its leaf and the interior
-- nodes it completes) are inserted in the transaction that appends the
-- entry, after the audit counter's row lock is taken, so the tree always
-- covers exactly the committed entries, whatever the number of servers.
CREATE TABLE audit_hashes (
    id   bigint PRIMARY KEY CHECK (id >= 0),
    hash bytea NOT NULL CHECK (octet_length(hash) = 32)
);

-- audit_checkpoints keeps every signed tree head the server handed out, so
-- `exaccess audit verify --db` can check the stored log against them later.
CREATE TABLE audit_checkpoints (
    tree_size  bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash  bytea NOT NULL CHECK (octet_length(root_hash) = 32),
    note       text NOT NULL,
    created_at timestamptz NOT NULL
);

-- Filters of GET /api/v1/audit/events, each ending in idx for keyset pages.
CREATE INDEX audit_log_actor_idx ON audit_log (actor, idx);
CREATE INDEX audit_log_action_idx ON audit_log (action, idx);
CREATE INDEX audit_log_at ON audit_log (at, idx);

-- The log is append-only. These triggers stop the application (or a slip
-- at the SQL prompt) from changing history; someone who drops them is
-- caught by the signed checkpoints instead.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_hashes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
