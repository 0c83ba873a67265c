// Package fsync holds the one file-system step that both storage (restore)
// and auditlog (the checkpoint head file) need and neither may take from
// the other: the two are sibling adapters of the domain, and neither
// imports the other.
package fsync

import "os"

// Dir syncs the directory dir, so that a rename or a new name in it
// survives a crash: syncing a file makes its contents durable, not the
// entry that names it.
func Dir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
