-- 0006: checkpoint keys kept apart from the database, and witness
-- cosignatures (SQLite).
--
-- audit_signing_keys lists the public verifier keys that have signed this
-- log's checkpoints, in the order they took over. The private keys are never
-- here: the server reads its checkpoint key from a file outside the
-- database. A server that starts with a key not listed yet records it here
-- and appends an audit.key_rotated entry in the same transaction.
CREATE TABLE audit_signing_keys (
    verifier_key    TEXT PRIMARY KEY,
    first_tree_size INTEGER NOT NULL CHECK (first_tree_size >= 0),
    created_at      TIMESTAMP NOT NULL
);

-- audit_cosignatures keeps each witness's cosignature of a kept checkpoint:
-- the signature line the witness returned, as c2sp.org/tlog-cosignature
-- writes it.
CREATE TABLE audit_cosignatures (
    witness_key TEXT NOT NULL,
    tree_size   INTEGER NOT NULL REFERENCES audit_checkpoints (tree_size),
    signature   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (witness_key, tree_size)
);
CREATE INDEX audit_cosignatures_size ON audit_cosignatures (tree_size);

CREATE TRIGGER audit_signing_keys_no_update BEFORE UPDATE ON audit_signing_keys
BEGIN SELECT RAISE(ABORT, 'audit_signing_keys is append-only'); END;
CREATE TRIGGER audit_signing_keys_no_delete BEFORE DELETE ON audit_signing_keys
BEGIN SELECT RAISE(ABORT, 'audit_signing_keys is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_update BEFORE UPDATE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
CREATE TRIGGER audit_cosignatures_no_delete BEFORE DELETE ON audit_cosignatures
BEGIN SELECT RAISE(ABORT, 'audit_cosignatures is append-only'); END;
