package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// sqliteDMSByte is the byte of a WAL database's -shm file that every open
// connection holds a read lock on (SQLite's unix VFS: UNIX_SHM_DMS, the
// "dead man switch" by which a connection finds out whether it is the only
// one). A write lock on it is granted only when no connection, of any
// process, has the database open.
const sqliteDMSByte = 128

// lockUnused takes a write lock on the database's -shm file, held until
// release is called, and fails with ErrInUse if a connection has the
// database open. It is an open file description lock, which conflicts
// with SQLite's own locks even within this process. No -shm file: no
// connection in WAL mode is open.
func lockUnused(path string) (release func(), err error) {
	f, err := os.OpenFile(path+"-shm", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: sqliteDMSByte, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, ErrInUse
		}
		return nil, fmt.Errorf("storage: lock %s-shm: %w", path, err)
	}
	return func() { f.Close() }, nil
}
