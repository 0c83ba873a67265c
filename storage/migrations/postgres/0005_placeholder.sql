-- 0005: placeholder on the audit branch only, so that its migrations stay
-- contiguous while 0005 is taken by another branch. DELETE THIS FILE when
-- merging: the other branch's 0005 replaces it.
SELECT 1;
