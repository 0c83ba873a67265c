package storage

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// Tests of the directory's refresh (directory.go, directory_rows.go): rows
// read again after the changes the log names leave the directory exactly
// as a whole read would, through savepoints that roll back, batches that
// fail, other processes, and a log that no longer reaches back.

// dumpDirectory renders everything d holds, one line per entry, in a
// fixed order; the holders memo is left out (checkHolders).
func dumpDirectory(d *directory) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("version %d schema %d usable %v logged %v dirty %d", d.version, d.schema, d.usable, d.logged, len(d.dirty))
	for _, u := range d.users {
		add("user %s %q %q roles %q nation %q held %v", u.row.ID, u.row.Username, u.row.Email, u.roles, u.nation, u.held)
	}
	for _, id := range slices.Sorted(maps.Keys(d.byID)) {
		add("by id %s: %s", id, d.byID[id].row.ID)
	}
	for _, name := range slices.Sorted(maps.Keys(d.byName)) {
		add("by name %q: %s", name, d.byName[name].row.ID)
	}
	for _, role := range slices.Sorted(maps.Keys(d.delegations)) {
		for _, dl := range d.delegations[role] {
			add("delegation of %q: %+v", role, dl)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(d.delByID)) {
		add("delegation by id %s: %+v", id, d.delByID[id])
	}
	for _, user := range slices.Sorted(maps.Keys(d.optOuts)) {
		var offs []string
		for o := range d.optOuts[user] {
			offs = append(offs, o.kind+"/"+o.channel)
		}
		slices.Sort(offs)
		add("opt-outs of %s: %v", user, offs)
	}
	hook := func(w webhookRow) string {
		return fmt.Sprintf("%s user=%s role=%s %s", w.ID, derefString(w.UserID), derefString(w.Role), w.URL)
	}
	for _, id := range slices.Sorted(maps.Keys(d.hooks)) {
		add("webhook by id %s: %s", id, hook(d.hooks[id]))
	}
	for _, user := range slices.Sorted(maps.Keys(d.userHooks)) {
		for _, w := range d.userHooks[user] {
			add("webhook of user %s: %s", user, hook(w))
		}
	}
	for _, role := range slices.Sorted(maps.Keys(d.roleHooks)) {
		for _, w := range d.roleHooks[role] {
			add("webhook of role %q: %s", role, hook(w))
		}
	}
	return out
}

// checkHolders compares each memo of holdersOf with the accounts the
// directory holds now.
func checkHolders(d *directory) error {
	for r, hs := range d.holders {
		var want []string
		for _, u := range d.users {
			if u.holds(r) {
				want = append(want, u.row.ID)
			}
		}
		var got []string
		for _, u := range hs {
			got = append(got, u.row.ID)
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("holders of %q: memo %v, accounts %v", r, got, want)
		}
	}
	return nil
}

// sameAsWholeRead compares d, just returned by get, with the directory a
// whole read in the same transaction gives.
func sameAsWholeRead(tt *tx, d *directory) error {
	whole, err := loadDirectory(tt, d.version, d.schema)
	if err != nil {
		return err
	}
	got, want := dumpDirectory(d), dumpDirectory(whole)
	if !slices.Equal(got, want) {
		return fmt.Errorf("the directory brought up to date differs from a whole read:\n%s",
			strings.Join(lineDiff(got, want), "\n"))
	}
	return checkHolders(d)
}

// lineDiff lists the lines only in got (-) or only in want (+).
func lineDiff(got, want []string) []string {
	var out []string
	for _, l := range got {
		if !slices.Contains(want, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			out = append(out, "+ "+l)
		}
	}
	if len(out) == 0 {
		out = append(out, "(the same lines in another order)")
	}
	return out
}

// moreMutations are changes the product does not make but SQL can: rows
// deleted, ids changed, a REPLACE that deletes an account on its username,
// delegations and webhooks moved to another role or account, opt-outs
// moved to another account, revocations undone.
func (w *dirWorld) moreMutations(tt *tx) error {
	u := w.users[w.rng.IntN(len(w.users))]
	other := w.users[w.rng.IntN(len(w.users))]
	d := w.dels[w.rng.IntN(len(w.dels))]
	h := w.hooks[w.rng.IntN(len(w.hooks))]
	switch w.rng.IntN(12) {
	case 0:
		return tt.exec("DELETE FROM users WHERE id = ?", u.ID)
	case 1:
		id, err := randomID()
		if err != nil {
			return err
		}
		return tt.exec("UPDATE users SET id = ? WHERE id = ?", id, u.ID)
	case 2: // an account in place of the one with this username
		id, err := randomID()
		if err != nil {
			return err
		}
		return tt.exec("INSERT OR REPLACE INTO users (id, username, password_hash, roles, nation, created_at, email) "+
			"VALUES (?, (SELECT username FROM users WHERE id = ?), 'x', ?, ?, ?, 'r@example.org')",
			id, u.ID, w.rolesColumn(), w.pick(w.nations), dbTime(dirBase))
	case 3: // a rename that deletes the account holding the name
		return tt.exec("UPDATE OR REPLACE users SET username = (SELECT username FROM users WHERE id = ?) WHERE id = ?", other.ID, u.ID)
	case 4:
		return tt.exec("UPDATE delegations SET role = ?, to_user = ? WHERE id = ?", w.pick(w.roles), w.pick(w.usernames), d.ID)
	case 5:
		return tt.exec("UPDATE delegations SET revoked_at = NULL WHERE id = ?", d.ID)
	case 6:
		return tt.exec("DELETE FROM delegations WHERE id = ?", d.ID)
	case 7:
		if w.rng.IntN(2) == 0 {
			return tt.exec("UPDATE webhooks SET user_id = ?, role = NULL, url = url || 'x' WHERE id = ?", u.ID, h.ID)
		}
		return tt.exec("UPDATE webhooks SET user_id = NULL, role = ? WHERE id = ?", w.pick(w.roles), h.ID)
	case 8:
		return tt.exec("UPDATE webhooks SET revoked_at = NULL WHERE id = ?", h.ID)
	case 9:
		return tt.exec("DELETE FROM webhooks WHERE id = ?", h.ID)
	case 10:
		return tt.exec("UPDATE OR REPLACE notification_optouts SET user_id = ? WHERE user_id = ?", other.ID, u.ID)
	default:
		return tt.exec("UPDATE users SET disabled_at = NULL WHERE id = ?", u.ID)
	}
}

// change makes n random changes, of both kinds, and tells how many took:
// one that breaks a constraint (a foreign key, a username taken; an error
// of SQLite's or, from the storage layer's own writes, its translation)
// fails alone, as a statement does, and is not counted.
func (w *dirWorld) change(tt *tx, n int) (int, error) {
	took := 0
	for range n {
		var err error
		if w.rng.IntN(2) == 0 {
			err = w.mutate(tt)
		} else {
			err = w.moreMutations(tt)
		}
		if err != nil && !strings.Contains(err.Error(), "constraint") && domain.ErrorCode(err) == domain.CodeInternal {
			return took, err
		}
		if err == nil {
			took++
		}
	}
	return took, nil
}

// TestDirectoryRefreshMatchesWholeRead makes random changes in batches of
// callers of the committer, some of whom fail (their savepoint rolls
// back), some batches failing whole, and in another process; after each
// caller's changes an event's fan-out from the directory is compared with
// the queries', and the directory itself with a whole read.
func TestDirectoryRefreshMatchesWholeRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir.db")
	db := openMigratedAt(t, path)
	other := openMigratedAt(t, path)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	w := newDirWorld(seed)
	inTx(t, db, func(tt *tx) error {
		for i := range 30 {
			if err := w.addUser(tt, i); err != nil {
				return err
			}
		}
		for range 40 {
			if err := w.addDelegation(tt); err != nil {
				return err
			}
		}
		for range 12 {
			if err := w.addWebhook(tt); err != nil {
				return err
			}
		}
		for range 20 {
			if err := w.addOptOut(tt); err != nil {
				return err
			}
		}
		return nil
	})
	fail := errors.New("fails on purpose")
	var took, compared, dirtySeen, failedCallers, unread int
	// check compares an event's fan-out and the directory with the
	// tables; fromDirectory compares the directory with a whole read.
	// unread counts the checks that find no directory, each of which must
	// read it whole: every other check must bring it up to date from the
	// change log and its dirty rows.
	check := func(tt *tx) error {
		if c := tt.dir.cur; c != nil && len(c.dirty) > 0 {
			dirtySeen++
		} else if c == nil {
			unread++
		}
		ev, at := w.event()
		want, err := fromQueries(tt, ev, at)
		if err != nil {
			return err
		}
		got, err := fromDirectory(tt, ev, at)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("%+v at %s:\ndirectory:\n  %s\nqueries:\n  %s", ev.Audience, at.Format(time.RFC3339Nano),
				strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		compared++
		return nil
	}
	for round := range 60 {
		fns := make([]func(tt *tx) error, 1+w.rng.IntN(5))
		fails := make([]bool, len(fns))
		for i := range fns {
			fails[i] = w.rng.IntN(4) == 0
			fns[i] = func(tt *tx) error {
				n, err := w.change(tt, w.rng.IntN(4))
				if err != nil {
					return err
				}
				took += n
				if err := check(tt); err != nil {
					return err
				}
				if fails[i] {
					return fail
				}
				return nil
			}
		}
		breaks := round%10 == 9 // the last caller breaks the shared transaction: nothing commits
		if breaks {
			fns = append(fns, func(tt *tx) error {
				if _, err := w.change(tt, 2); err != nil {
					return err
				}
				if err := check(tt); err != nil {
					return err
				}
				return tt.exec("RELEASE caller")
			})
		}
		for i, err := range oneBatch(t, db, fns...) {
			switch {
			case breaks:
				if err == nil {
					t.Fatalf("round %d: caller %d of a broken batch committed", round, i)
				}
			case i < len(fails) && fails[i]:
				if err != fail {
					t.Fatalf("round %d caller %d: %v", round, i, err)
				}
				failedCallers++
			case err != nil:
				t.Fatalf("round %d caller %d: %v", round, i, err)
			}
		}
		if round%3 == 0 { // another process, through its own committer
			inTx(t, other, func(tt *tx) error {
				n, err := w.change(tt, 1+w.rng.IntN(3))
				took += n
				return err
			})
		}
	}
	inTx(t, db, check)
	k := &db.batch.dir
	// Read whole only when there was none: the first time, after each of
	// the 6 failed batches, and again after each caller who read it and
	// failed (its savepoint held none, so its rollback leaves none) — one
	// or more, as the seed has callers fail in a row.
	if k.loads != unread || unread < 7 {
		t.Errorf("the directory was read whole %d times, want %d (the checks that found none, at least 7)", k.loads, unread)
	}
	if k.refreshes < 60 || dirtySeen < 5 || failedCallers < 10 || took < 150 || compared < 150 {
		t.Errorf("%d refreshes, %d uses with dirty rows, %d failed callers, %d changes, %d comparisons: the test tries too little",
			k.refreshes, dirtySeen, failedCallers, took, compared)
	}
}

// TestDirectoryReplacedAccount: a REPLACE that deletes an account because
// another one takes its username fires no delete trigger; the account
// deleted must leave the directory all the same.
func TestDirectoryReplacedAccount(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	ops := domain.Audience{Role: domain.RoleOperations}
	if err := f.db.writer.Exec("INSERT OR REPLACE INTO users (id, username, password_hash, roles, nation, created_at) "+
		"VALUES ('new-ops2', 'ops2', 'x', 'auditor', '', ?)", dbTime(dirBase)).Error; err != nil {
		t.Fatal(err)
	}
	inTx(t, f.db, notify(ops, "one"))
	for _, key := range storedKeys(t, f.db, "one") {
		if strings.HasPrefix(key, f.ops2.ID+":") || strings.HasPrefix(key, "new-ops2:") {
			t.Fatalf("the replaced account, or its successor without the role, is told: %v", storedKeys(t, f.db, "one"))
		}
	}
	inTx(t, f.db, func(tt *tx) error {
		d, err := tt.dir.get(tt)
		if err != nil {
			return err
		}
		return sameAsWholeRead(tt, d)
	})
}

// TestDirectoryReplaceThenTheTakerMoves: a REPLACE that deletes an account
// for its username, and then the row that took the name renamed or
// deleted before the committer's next use (a review's finding: nothing then
// pointed back at the deleted account, which stayed in the directory, and
// every notification of its role failed on the recipient's foreign key).
// The trigger before the REPLACE records the account it deletes.
func TestDirectoryReplaceThenTheTakerMoves(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps func(f *dirFixture) []string
	}{
		{"an update takes the name, then is renamed", func(f *dirFixture) []string {
			return []string{"UPDATE OR REPLACE users SET username = 'ops2' WHERE id = '" + f.loSE.ID + "'",
				"UPDATE users SET username = 'lo-SE-2' WHERE id = '" + f.loSE.ID + "'"}
		}},
		{"an update takes the name, then is deleted", func(f *dirFixture) []string {
			return []string{"UPDATE OR REPLACE users SET username = 'ops2' WHERE id = '" + f.loSE.ID + "'",
				"DELETE FROM users WHERE id = '" + f.loSE.ID + "'"}
		}},
		{"an insert takes the name, then is renamed", func(f *dirFixture) []string {
			return []string{"INSERT OR REPLACE INTO users (id, username, password_hash, roles, nation, created_at) " +
				"VALUES ('taker', 'ops2', 'x', 'auditor', '', '2027-03-01 12:00:00')",
				"UPDATE users SET username = 'taker' WHERE id = 'taker'"}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
			for _, q := range c.steps(f) {
				if err := f.db.writer.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
			ops := domain.Audience{Role: domain.RoleOperations}
			loads := f.db.batch.dir.loads
			if errs := oneBatch(t, f.db, notify(ops, "one")); errs[0] != nil {
				t.Fatalf("a notification to the role of the deleted account: %v", errs[0])
			}
			if f.db.batch.dir.loads != loads {
				t.Errorf("the directory was read whole; the log should have named the deleted account")
			}
			for _, key := range storedKeys(t, f.db, "one") {
				if strings.HasPrefix(key, f.ops2.ID+":") {
					t.Fatalf("the deleted account is told: %v", storedKeys(t, f.db, "one"))
				}
			}
			inTx(t, f.db, func(tt *tx) error {
				d, err := tt.dir.get(tt)
				if err != nil {
					return err
				}
				if d.byID[f.ops2.ID] != nil {
					t.Errorf("the directory still holds the deleted account")
				}
				return sameAsWholeRead(tt, d)
			})
		})
	}
}

// TestDirectoryLogPruned: the log keeps the last 1000 versions. A
// directory further behind is read whole, and is then what a whole read
// gives; one less far behind is brought up to date from the log.
func TestDirectoryLogPruned(t *testing.T) {
	f := newDirFixture(t, filepath.Join(t.TempDir(), "dir.db"))
	k := &f.db.batch.dir
	bump := func(n int) {
		t.Helper()
		for range n {
			if err := f.db.writer.Exec("UPDATE users SET nation = CASE nation WHEN 'NO' THEN 'SE' ELSE 'NO' END WHERE id = ?",
				f.loSE.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	use := func() {
		t.Helper()
		inTx(t, f.db, func(tt *tx) error {
			_, err := fromDirectory(tt, domain.NotificationEvent{Kind: "k", Audience: domain.Audience{Nation: "NO"}}, dirBase)
			return err
		})
	}
	loads, refreshes := k.loads, k.refreshes
	bump(999)
	use()
	if k.loads != loads || k.refreshes != refreshes+1 {
		t.Fatalf("999 versions behind: %d whole reads, %d refreshes; want 0 and 1", k.loads-loads, k.refreshes-refreshes)
	}
	bump(1001)
	use()
	if k.loads != loads+1 {
		t.Fatalf("1001 versions behind: %d whole reads, want 1", k.loads-loads)
	}
	var rows, oldest int64
	if err := f.db.writer.Raw("SELECT count(*), min(version) FROM directory_changes").Row().Scan(&rows, &oldest); err != nil {
		t.Fatal(err)
	}
	if rows != 1000 || oldest != k.cur.version-999 {
		t.Fatalf("the log holds %d rows from version %d, at version %d; want the last 1000", rows, oldest, k.cur.version)
	}
}
