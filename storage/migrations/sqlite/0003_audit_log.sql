-- 0003: the verifiable audit log (SQLite).
--
-- audit_hashes holds the Merkle tree over audit_log.entry as
-- golang.org/x/mod/sumdb/tlog stores it: id is tlog.StoredHashIndex(level, n),
-- hash the 32-byte SHA-256. An entry's hashes (its leaf and the interior
-- nodes it completes) are inserted in the transaction that appends the
-- entry, so the tree always covers exactly the committed entries.
CREATE TABLE audit_hashes (
    id   INTEGER PRIMARY KEY CHECK (id >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);

-- audit_checkpoints keeps every signed tree head the server handed out, so
-- `exaccess audit verify --db` can check the stored log against them later.
CREATE TABLE audit_checkpoints (
    tree_size  INTEGER PRIMARY KEY CHECK (tree_size >= 0),
    root_hash  BLOB NOT NULL CHECK (length(root_hash) = 32),
    note       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Filters of GET /api/v1/audit/events, each ending in idx for keyset pages.
CREATE INDEX audit_log_actor_idx ON audit_log (actor, idx);
CREATE INDEX audit_log_action_idx ON audit_log (action, idx);
CREATE INDEX audit_log_at ON audit_log (at, idx);

-- The log is append-only. These triggers stop the application (or a slip
-- at the SQL prompt) from changing history; someone who drops them is
-- caught by the signed checkpoints instead.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_hashes_no_update BEFORE UPDATE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit_hashes is append-only'); END;
CREATE TRIGGER audit_hashes_no_delete BEFORE DELETE ON audit_hashes
BEGIN SELECT RAISE(ABORT, 'audit_hashes is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
