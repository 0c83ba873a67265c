-- 0033: an external account remembers when an administrator last disabled
-- or enabled it (domain.User.TokensEndedAt, domain.TokenEnded): a token of
-- the identity provider issued in that second or before is refused. Same
-- column as the SQLite file, and the same meaning of NULL (never since the
-- upgrade; local accounts keep it). A nullable column without a default:
-- added without rewriting the table.
ALTER TABLE users ADD COLUMN idp_tokens_ended_at timestamptz;
