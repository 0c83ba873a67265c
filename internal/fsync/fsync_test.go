package fsync

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

// TestDir: a directory that is there syncs; one that is not is the open's
// error, unwrapped, as the callers expect to wrap it themselves.
func TestDir(t *testing.T) {
	dir := t.TempDir()
	if err := Dir(dir); err != nil {
		t.Fatalf("sync of %s: %v", dir, err)
	}
	err := Dir(filepath.Join(dir, "missing"))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" {
		t.Fatalf("sync of a missing directory: %v, want the open's not-exist error", err)
	}
}
