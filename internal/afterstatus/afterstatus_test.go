package afterstatus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestLevel: a client that went away is INFO, however the error wraps it;
// anything else is ERROR.
func TestLevel(t *testing.T) {
	for _, c := range []struct {
		err  error
		want slog.Level
	}{
		{context.Canceled, slog.LevelInfo},
		{fmt.Errorf("storage: audit log: %w", context.Canceled), slog.LevelInfo},
		{fmt.Errorf("write: %w", syscall.EPIPE), slog.LevelInfo},
		{&net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.ECONNRESET)}, slog.LevelInfo},
		{context.DeadlineExceeded, slog.LevelError}, // the server's own deadline, not the client
		{errors.New("storage: stored audit hashes are incomplete"), slog.LevelError},
	} {
		if got := Level(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}
