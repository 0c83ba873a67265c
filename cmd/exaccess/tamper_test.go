package main

import (
	"bytes"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The tampering of someone who can write the SQLite file of a stopped
// server, with raw SQL: the append-only triggers are dropped first.

func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	for _, table := range []string{"audit_log", "audit_hashes", "audit_checkpoints"} {
		for _, op := range []string{"update", "delete"} {
			mustExec(t, raw, fmt.Sprintf("DROP TRIGGER IF EXISTS %s_no_%s", table, op))
		}
	}
	return raw
}

func mustExec(t *testing.T, raw *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := raw.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// editEntry changes who acted in entry idx, and nothing else.
func editEntry(t *testing.T, raw *sql.DB, idx int64) {
	t.Helper()
	var entry []byte
	if err := raw.QueryRow("SELECT entry FROM audit_log WHERE idx = ?", idx).Scan(&entry); err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(entry, []byte(`"actor":"`), []byte(`"actor":"mallory-`), 1)
	if bytes.Equal(edited, entry) {
		t.Fatalf("entry %d has no actor: %s", idx, entry)
	}
	mustExec(t, raw, "UPDATE audit_log SET entry = ?, actor = 'mallory' WHERE idx = ?", edited, idx)
}

// rewriteHashes recomputes every stored Merkle hash from the entries as
// they are now, as a forger who knows tlog would.
func rewriteHashes(t *testing.T, raw *sql.DB) map[int64]tlog.Hash {
	t.Helper()
	rows, err := raw.Query("SELECT idx, entry FROM audit_log ORDER BY idx")
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[int64]tlog.Hash{}
	read := tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ids))
		for i, id := range ids {
			out[i] = hashes[id]
		}
		return out, nil
	})
	for rows.Next() {
		var idx int64
		var entry []byte
		if err := rows.Scan(&idx, &entry); err != nil {
			t.Fatal(err)
		}
		hs, err := tlog.StoredHashes(idx, entry, read)
		if err != nil {
			t.Fatal(err)
		}
		for k, h := range hs {
			hashes[tlog.StoredHashIndex(0, idx)+int64(k)] = h
		}
	}
	rows.Close()
	mustExec(t, raw, "DELETE FROM audit_hashes")
	for id, h := range hashes {
		mustExec(t, raw, "INSERT INTO audit_hashes (id, hash) VALUES (?, ?)", id, h[:])
	}
	return hashes
}

// resignCheckpoints re-signs every kept checkpoint over the rewritten tree
// with every private key the database holds (the token signing key is the
// only one), under the log's origin, and keeps those instead.
func resignCheckpoints(t *testing.T, raw *sql.DB, origin string, hashes map[int64]tlog.Hash) {
	t.Helper()
	var seed []byte
	if err := raw.QueryRow("SELECT material FROM keys WHERE name = 'token-signing'").Scan(&seed); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRow("SELECT COUNT(*) FROM keys").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the database holds %d keys (%v); only the token key belongs there", n, err)
	}
	signer := noteSignerFromSeed(t, origin, seed)
	read := tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ids))
		for i, id := range ids {
			out[i] = hashes[id]
		}
		return out, nil
	})
	var sizes []int64
	rows, err := raw.Query("SELECT tree_size FROM audit_checkpoints WHERE tree_size > 0")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s int64
		rows.Scan(&s)
		sizes = append(sizes, s)
	}
	rows.Close()
	for _, size := range sizes {
		root, err := tlog.TreeHash(size, read)
		if err != nil {
			t.Fatal(err)
		}
		text := fmt.Sprintf("%s\n%d\n%s\n", origin, size, root)
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, raw, "UPDATE audit_checkpoints SET note = ?, root_hash = ? WHERE tree_size = ?", string(msg), root[:], size)
	}
}

// noteSignerFromSeed makes a signed-note signer of an Ed25519 seed.
func noteSignerFromSeed(t *testing.T, name string, seed []byte) note.Signer {
	t.Helper()
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(vkey, "+", 3) // name+hash+key; the base64 key may hold "+"
	skey := "PRIVATE+KEY+" + name + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
