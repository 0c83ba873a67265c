//go:build !linux

package storage

// lockUnused cannot tell here whether a process has the database open:
// the lock it takes on Linux is Linux's own. docs/operations.md says so.
func lockUnused(path string) (release func(), err error) {
	return func() {}, nil
}
