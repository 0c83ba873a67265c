package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memLog is an audit log in memory with tlog's stored hashes, for testing
// exports and verifiers without a database. It implements ExportSource.
type memLog struct {
	entries [][]byte
	hashes  []tlog.Hash // by stored-hash index
	signer  *Signer
}

func newMemLog(t testing.TB, n int) *memLog {
	t.Helper()
	skey, err := GenerateSignerKey()
	if err != nil {
		t.Fatal(err)
	}
	return newMemLogWithKey(t, n, skey)
}

// fixedSignerKey is a signer key that is the same on every run, so that a
// fuzz corpus stays valid.
func fixedSignerKey(t testing.TB) []byte {
	t.Helper()
	skey, _, err := note.GenerateKey(bytes.NewReader(make([]byte, 64)), KeyName)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(skey)
}

func newMemLogWithKey(t testing.TB, n int, skey []byte) *memLog {
	t.Helper()
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	m := &memLog{signer: s}
	for range n {
		m.append(t)
	}
	return m
}

// append adds an entry shaped like the real ones.
func (m *memLog) append(t testing.TB) {
	t.Helper()
	i := len(m.entries)
	entry := fmt.Appendf(nil, `{"action":"request.updated","actor":"lo-no","at":"2026-02-03T10:11:%02d.000000000Z",`+
		`"data":{"purpose":"=cmd|' /C calc'!A0","step":%d},"index":%d,"request_id":"r%d","request_version":%d}`,
		i%60, i, i, i%7, i%5+1)
	hs, err := tlog.StoredHashes(int64(i), entry, tlog.HashReaderFunc(m.readHashes))
	if err != nil {
		t.Fatal(err)
	}
	m.entries = append(m.entries, entry)
	m.hashes = append(m.hashes, hs...)
}

func (m *memLog) readHashes(ids []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(ids))
	for i, id := range ids {
		if id < 0 || id >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", id)
		}
		out[i] = m.hashes[id]
	}
	return out, nil
}

func (m *memLog) ReadAuditHashes(_ context.Context, ids []int64) ([]tlog.Hash, error) {
	return m.readHashes(ids)
}

func (m *memLog) StreamAuditEntries(_ context.Context, first, end int64, fn func(int64, []byte) error) error {
	for i := first; i < end; i++ {
		if err := fn(i, m.entries[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memLog) StreamAuditLeafHashes(_ context.Context, first, end int64, fn func(tlog.Hash) error) error {
	for i := first; i < end; i++ {
		if err := fn(m.hashes[tlog.StoredHashIndex(0, i)]); err != nil {
			return err
		}
	}
	return nil
}

// checkpoint signs the log as it is now.
func (m *memLog) checkpoint(t testing.TB) (string, int64) {
	t.Helper()
	n := int64(len(m.entries))
	root, err := tlog.TreeHash(n, tlog.HashReaderFunc(m.readHashes))
	if err != nil {
		t.Fatal(err)
	}
	note, err := m.signer.Sign(tlog.Tree{N: n, Hash: root})
	if err != nil {
		t.Fatal(err)
	}
	return note, n
}

// export writes entries [first, end) as NDJSON against a fresh checkpoint.
func (m *memLog) export(t testing.TB, first, end int64) []byte {
	t.Helper()
	note, n := m.checkpoint(t)
	var buf bytes.Buffer
	if err := WriteNDJSON(context.Background(), m, &buf, note, n, first, end); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
