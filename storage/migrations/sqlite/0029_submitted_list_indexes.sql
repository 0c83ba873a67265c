-- 0029: the lists of approvers and administrators walk only the requests
-- ever submitted (SQLite).
--
-- An approver or administrator does not see a request never submitted: a
-- draft, or a request withdrawn while still a draft (submitted_at NULL).
-- Their list added that condition to the walk of the id-ordered index the
-- other filters choose, so the walk read and skipped every such request it
-- met: many drafts newer than everything submitted made the first page read
-- them all. These partial indexes hold only the requests ever submitted, in
-- the list's order, with the very condition the list writes (literal values,
-- storage/requests.go: everSubmitted, withdrawnSubmitted), so a page reads
-- its rows and no draft:
--   - requests_submitted_id: the list with no filter, newest first;
--   - requests_submitted_nation_id: the list of one nation;
--   - requests_withdrawn_submitted_id and _nation_id: status=withdrawn, with
--     and without a nation. These hold only the requests withdrawn after
--     their submission; status leads them although it is the same in every
--     row, because SQLite, with no statistics, would otherwise walk the
--     (status, id) index that matches status = 'withdrawn' by equality.
-- A draft is in none of them; a request enters the first two when it is
-- submitted. The lists without the condition (a liaison officer's, an
-- auditor's) cannot use them and walk the indexes they walked before.
CREATE INDEX requests_submitted_id ON requests (id)
    WHERE status <> 'draft' AND (status <> 'withdrawn' OR submitted_at IS NOT NULL);
CREATE INDEX requests_submitted_nation_id ON requests (nation, id)
    WHERE status <> 'draft' AND (status <> 'withdrawn' OR submitted_at IS NOT NULL);
CREATE INDEX requests_withdrawn_submitted_id ON requests (status, id)
    WHERE status = 'withdrawn' AND submitted_at IS NOT NULL;
CREATE INDEX requests_withdrawn_submitted_nation_id ON requests (nation, status, id)
    WHERE status = 'withdrawn' AND submitted_at IS NOT NULL;
