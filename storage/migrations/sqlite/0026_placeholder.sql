-- 0026: a placeholder of branch authors-sod, which adds 0027 while another
-- branch adds the real 0026. Drop this file when merging that branch.
SELECT 1;
