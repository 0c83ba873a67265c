package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const usage = `usage: exaccess <command> [flags]

commands:
  serve            run the server (flags: --addr, --db, --policies, --demo)
  migrate          apply database migrations and load reference data (--db)
  user add         create a user; the password is read from standard input
                   (--username U --role R [--role R2] [--nation XX] [--db])
  policy check     load and type-check a policy directory (default: the embedded policy)
  backup           write a consistent copy of a running SQLite database (--db, --out FILE)
  audit key        print the public key that verifies audit checkpoints (--db)
  audit verify     verify an audit export offline (--export FILE --key KEYFILE [--previous FILE]),
                   or a database's stored audit log against its checkpoints (--db [--key KEYFILE])
  bench            measure the write and read paths against raw SQLite (in-process, or --target URL);
                   see 'exaccess bench -h' and docs/performance.md

Every flag is also an environment variable: --addr is EXACCESS_ADDR, and so on.
`

// errUsage marks an error in the command line itself.
var errUsage = errors.New("see 'exaccess help'")

// run is the whole program, testable: it parses args, reads configuration
// from getenv, and returns when the command is done or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		if len(args) > 1 && args[1] == "add" {
			return runUserAdd(ctx, args[2:], getenv, stdin, stdout, stderr)
		}
		return fmt.Errorf("user: the only subcommand is 'user add'; %w", errUsage)
	case "policy":
		if len(args) > 1 && args[1] == "check" {
			return runPolicyCheck(args[2:], stdout)
		}
		return fmt.Errorf("policy: the only subcommand is 'policy check [DIR]'; %w", errUsage)
	case "audit":
		return runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q; %w", args[0], errUsage)
}
