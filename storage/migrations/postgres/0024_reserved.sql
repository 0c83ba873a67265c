-- 0024: reserved, intentionally empty: keeps the versions contiguous.
SELECT 1;
