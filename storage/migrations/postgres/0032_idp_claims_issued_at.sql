-- 0032: an external account remembers the issue time (iat) of the newest
-- token of the identity provider whose roles and nation it holds
-- (domain.User.ClaimsIssuedAt, domain.JudgeClaims). Same column as the
-- SQLite file, and the same meaning of NULL: the accounts stored before
-- this migration take the claims of the next token they see, and its mark.
-- A nullable column without a default: added without rewriting the table.
ALTER TABLE users ADD COLUMN idp_claims_issued_at timestamptz;
