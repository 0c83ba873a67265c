// Package afterstatus holds the one rule for logging an error met after a
// response's status line was sent, when no error answer can follow any
// more: the API and the web console log such errors the same way. It
// imports only the standard library, so either may use it.
package afterstatus

import (
	"context"
	"errors"
	"log/slog"
	"syscall"
)

// Level is the log level of an error met after the status line was sent:
// INFO when the client went away (it cancelled the request, or closed the
// connection: a broken pipe or a reset), since nothing is wrong with the
// server then; ERROR for anything else, which someone must look at.
func Level(err error) slog.Level {
	if errors.Is(err, context.Canceled) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return slog.LevelInfo
	}
	return slog.LevelError
}
