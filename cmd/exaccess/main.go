// Command exaccess is Exercise Access: the permit workflow through which
// military units of EU and NATO member states get access to Swedish territory
// for joint exercises. One binary: serve, migrate, user, policy.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "exaccess:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a mistake in the command line (errUsage: an unknown
// command or flag, a missing argument, a key file that holds no verifier
// key), 1 for every other failure: `permit verify` exits 1 only when it
// checked the permit and found it not valid, and 2 when it could not check.
func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}
