package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

const usage = `usage: exaccess <command> [flags]

commands:
  serve            run the server (flags: --addr, --db, --policies, --demo; all: 'exaccess serve -h')
  migrate          apply database migrations and load reference data (--db)
  user add         create a user; the password is read from standard input
                   (--username U --role R [--role R2] [--nation XX] [--email ADDR] [--db] [--policies])
  user list        list accounts ([--role R] [--nation XX] [--disabled true|false] [--db] [--policies])
  user disable     disable an account (--username U --reason TEXT [--db])
  user enable      enable it again (--username U --reason TEXT [--db])
  user roles       set its roles and nation
                   (--username U --role R [--role R2] [--nation XX] [--reason TEXT] [--db] [--policies])
  user email       set the address notifications go to; --email "" removes it
                   (--username U --email ADDR [--reason TEXT] [--db] [--policies])
  user reset-password
                   set a one-time password, printed once (--username U [--reason TEXT] [--db])
                   The user commands work on a live database; servers honour a change within seconds.
                   --policies (EXACCESS_POLICIES): the policy whose stages may name approver roles of
                   their own, as serve's; read only for a role that is not built in: a --role, or,
                   for user email and user roles without --role, a role the account holds. user list
                   reads it to warn of accounts holding a role it does not name; its --role takes
                   any well-formed role name, to find who still holds a role a policy dropped.
  policy check     load and type-check a policy directory ([DIR]; default: the embedded policy)
  policy test      run a policy's example cases ([DIR]: DIR/tests/*.yaml; default: the embedded ones)
  backup           write a consistent copy of a running SQLite database (--db, --out FILE)
  restore          put a backup in place of a stopped SQLite database (--from FILE, --db);
                   --create when there is no database at --db yet (a new machine)
  audit key        print the public key that verifies audit checkpoints (--checkpoint-key F or --db)
  audit verify     verify an audit export offline (--export FILE --key KEYFILE [--previous FILE]),
                   or a database's stored audit log against its checkpoints
                   (--db --key KEYFILE [--head FILE] [--previous FILE] [--witness VKEY] [--quorum K]);
                   --key FILE@N trusts a retired key only for checkpoints of up to N entries;
                   --head is the server's <checkpoint key file>.head, which the log must extend
  audit rotate-key replace the checkpoint signing key (--checkpoint-key F or --db);
                   --lost --checkpoint-key F --db: a new key where a lost key file was;
                   --log-origin NEW: the new key of a new origin (after restoring an older backup)
  permit verify    verify a signed permit offline (FILE --key KEYFILE)
  bench            measure the write and read paths against raw SQLite (in-process, or --target URL);
                   see 'exaccess bench -h' and docs/performance.md
  version          print the version, the commit it was built from and the newest schema migration it knows

The flags of serve, --db, --policies and --checkpoint-key are also environment variables:
--addr is EXACCESS_ADDR, --db EXACCESS_DB, --policies EXACCESS_POLICIES, and so on ('exaccess
serve -h' names each). The other commands' flags (--out, --from, --key, --username and the
rest) are flags only.
'exaccess COMMAND -h' lists a command's flags.
`

// errUsage marks an error in the command line itself.
var errUsage = errors.New("see 'exaccess help'")

// run is the whole program, testable: it parses args, reads configuration
// from getenv, and returns when the command is done or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	// -h or --help after a command: its flag set has printed the command's
	// usage, which is the answer asked for, not a failure. Every command
	// returns its flag set's error unwrapped, so this is the one place.
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// dispatch runs the command args name.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
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
		return runUser(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "policy":
		if len(args) > 1 && args[1] == "check" {
			return runPolicyCheck(args[2:], stdout, stderr)
		}
		if len(args) > 1 && args[1] == "test" {
			return runPolicyTest(args[2:], stdout, stderr)
		}
		return fmt.Errorf("policy: the subcommands are 'policy check [DIR]' and 'policy test [DIR]'; %w", errUsage)
	case "audit":
		return runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], getenv, stdout, stderr)
	case "permit":
		if len(args) > 1 && args[1] == "verify" {
			return runPermitVerify(args[2:], stdout, stderr, time.Now())
		}
		return fmt.Errorf("permit: the only subcommand is 'permit verify FILE --key KEYFILE'; %w", errUsage)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q; %w", args[0], errUsage)
}
