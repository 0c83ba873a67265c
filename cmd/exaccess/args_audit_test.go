package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A word left over after the flags (an unquoted value with a space) ends
// flag parsing; the audit commands refuse it, naming it, instead of
// silently dropping the flags after it. rotate-key retires nothing.
func TestAuditCommandsRefuseExtraArguments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	addUser(t, db, "aud-a")
	key := db + ".checkpoint-key"
	writeExport(t, db, filepath.Join(dir, "x.ndjson")) // creates the key file
	before, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"audit", "verify", "--db", db, "extra", "--key", key},
		{"audit", "key", "--db", db, "extra"},
		{"audit", "rotate-key", "--checkpoint-key", key, "extra"},
	} {
		err := run(ctx, args, env(nil), nil, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `unexpected argument "extra"`) ||
			!strings.HasPrefix(err.Error(), args[0]+" "+args[1]+": ") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if after, _ := os.ReadFile(key); string(after) != string(before) {
		t.Error("rotate-key with an extra argument rotated the key")
	}
}
