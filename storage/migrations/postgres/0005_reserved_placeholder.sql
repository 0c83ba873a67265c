-- 0005: reserved for a migration of another branch; the integrator deletes
-- this placeholder at merge (it only keeps the numbering contiguous here).
SELECT 1;
