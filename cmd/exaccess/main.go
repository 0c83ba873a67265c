// Command exaccess is Exercise Access: the permit workflow through which
// military units of EU and NATO member states get access to Swedish territory
// for joint exercises. One binary: serve, migrate, user, policy.
package main

import (
	"context"
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
		os.Exit(1)
	}
}
