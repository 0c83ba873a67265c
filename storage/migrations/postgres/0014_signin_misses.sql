-- 0014: refused sign-ins of names that are no account, counted in 1,024
-- buckets of the name's hash.
--
-- A refused sign-in of a known account writes its failure count (the
-- lockout); one of an unknown name writes here instead, so both cost one
-- row write and the answer's timing does not tell which names exist. The
-- buckets keep the table at a fixed size whatever names are tried; the
-- counts also show operators a password spray over names that do not exist.
CREATE TABLE signin_misses (
    bucket  INTEGER PRIMARY KEY,
    misses  BIGINT NOT NULL,
    last_at timestamptz NOT NULL
);
