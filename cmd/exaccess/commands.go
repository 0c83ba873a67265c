package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"
	"exaccess/storage"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("migrate", getenv, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exaccess: %s is at schema version %d; reference data loaded\n", maskedDB(*dsn), v)
	return nil
}

// joinRoles lists rs for a message: "a, b, c".
func joinRoles(rs []domain.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// roleList collects repeated --role flags.
type roleList []domain.Role

func (r *roleList) String() string { return fmt.Sprint(*r) }

// Set takes a known role, or a role name the policy may add: knownRoles
// checks that one once the flags are parsed, when --policies is known.
func (r *roleList) Set(s string) error {
	role, ok := domain.ParseRole(s)
	if !ok && !domain.WellFormedRoleName(s) {
		return fmt.Errorf("unknown role %q (one of %s)", s, joinRoles(domain.AllRoles()))
	}
	*r = append(*r, role)
	return nil
}

// policiesFlag is --policies of the commands that take roles: the policy
// whose stages may name approver roles besides the built-in ones, as serve
// has it (EXACCESS_POLICIES).
func policiesFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("policies", envOr(getenv, "EXACCESS_POLICIES", ""),
		"the policy directory, whose stages may name approver roles of their own; empty for the embedded default (EXACCESS_POLICIES)")
}

// knownRoles checks that every role is known: a built-in one, or one the
// policy of dir adds, which it loads only when a role is not built in.
func knownRoles(cmd, dir string, rs ...domain.Role) error {
	unknown := func() (domain.Role, bool) {
		for _, r := range rs {
			if _, ok := domain.ParseRole(string(r)); !ok {
				return r, true
			}
		}
		return "", false
	}
	if _, ok := unknown(); !ok {
		return nil
	}
	if _, err := loadPolicy(dir); err != nil {
		return fmt.Errorf("%s: the policy that may name the role: %w", cmd, err)
	}
	if r, ok := unknown(); ok {
		hint := ""
		if dir == "" { // the embedded default policy adds no role
			hint = "; a role of your own policy needs --policies DIR (or EXACCESS_POLICIES), as serve has it"
		}
		return &flagError{fmt.Sprintf("%s: --role %q: unknown role %q (one of %s)%s; see 'exaccess %s -h'",
			cmd, r, r, joinRoles(domain.AllRoles()), hint, cmd)}
	}
	return nil
}

// heldRolesKnown checks, for a change that keeps u's roles (user email,
// user roles without --role), that the policy of dir names every role u
// holds, loading it only when one is not built in: the change validates
// the account as stored. A role it does not name is refused with what to
// do.
func heldRolesKnown(cmd, dir string, u *domain.User) error {
	if len(domain.UnknownRoles(u.Roles)) == 0 {
		return nil
	}
	if _, err := loadPolicy(dir); err != nil {
		return fmt.Errorf("%s: the policy that may name the account's roles: %w", cmd, err)
	}
	rs := domain.UnknownRoles(u.Roles)
	if len(rs) == 0 {
		return nil
	}
	what := "which only a policy of your own names: give --policies DIR (or EXACCESS_POLICIES), the policy serve runs with"
	if dir != "" {
		what = "which the policy of --policies does not name: give the policy serve runs with"
	}
	return &flagError{fmt.Sprintf("%s: account %s holds %s, %s, or take the role away first "+
		"(exaccess user roles --username %s --role R [--role R2]); see 'exaccess %s -h'",
		cmd, u.Username, joinRoles(rs), what, u.Username, cmd)}
}

// minPasswordLen applies to accounts made from the command line; the demo's
// short password is the exception, and demo mode says so loudly.
const minPasswordLen = auth.MinPasswordLen

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	var u domain.User
	var rl roleList
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbFlag(fs, &cfg, getenv)
	fs.StringVar(&u.Username, "username", "", "the new user's name")
	fs.Var(&rl, "role", "a role (repeatable)")
	dir := policiesFlag(fs, getenv)
	fs.StringVar(&u.Nation, "nation", "", "ISO code of a liaison officer's nation")
	fs.StringVar(&u.Email, "email", "", "the e-mail address notifications go to, like name@example.org (optional)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := knownRoles("user add", *dir, rl...); err != nil {
		return err
	}
	u.Roles = rl
	// Everything but the password is checked before it is asked for:
	// nobody types a password to learn that the command line was wrong.
	if u.Username == "" {
		return missingFlag(fs, "--username is required")
	}
	if len(u.Roles) == 0 {
		return missingFlag(fs, "--role is required (repeat it for more roles)")
	}
	db, err := openPresent(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	ref, err := db.Reference(ctx)
	if err != nil {
		return err
	}
	if err := checkNewUser(ctx, db, ref, u); err != nil {
		return describe(err)
	}
	password, err := readPassword(ctx, stdin, stderr, u.Username)
	if err != nil {
		return err
	}
	if msg := auth.PasswordProblem(password, u.Username, u.Email); msg != "" {
		return fmt.Errorf("the password (read from standard input) %s", msg)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	created, err := domain.NewUserService(db, ref, time.Now, newID).CreateUser(ctx, cliActor(getenv), u, hash)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "exaccess: created user %s with roles %v, e-mail %s\n", created.Username, created.Roles, emailText(created.Email))
	return nil
}

// checkNewUser refuses what CreateUser would refuse of u before the
// password: its fields, and a username taken already. CreateUser checks
// both again.
func checkNewUser(ctx context.Context, db *storage.DB, ref domain.NationLookup, u domain.User) error {
	u.Nation = domain.NormalizeNation(u.Nation)
	if err := domain.ValidateUser(u, ref); err != nil {
		return err
	}
	_, err := db.GetUserByUsername(ctx, u.Username)
	switch {
	case err == nil:
		return &domain.Error{Code: domain.CodeInvalid, Message: "the user is not valid",
			Fields: []domain.FieldError{{Field: "username", Message: fmt.Sprintf("a user named %q already exists", u.Username)}}}
	case domain.ErrorCode(err) != domain.CodeNotFound:
		return err
	}
	return nil
}

// readPassword reads the first line of stdin, so that it never appears in a
// process list or shell history. At a terminal it asks for it on stderr and
// turns the echo off while it is typed. Ctrl-C or SIGTERM (ctx) ends the
// wait: the read itself cannot be interrupted, so it runs apart and is
// abandoned.
func readPassword(ctx context.Context, stdin io.Reader, stderr io.Writer, username string) (string, error) {
	type result struct {
		line string
		err  error
	}
	if f, ok := stdin.(*os.File); ok {
		if restore, tty := hideTyping(f); tty {
			defer fmt.Fprintln(stderr) // the Enter typed was not shown
			defer restore()
			fmt.Fprintf(stderr, "password for %s (not shown): ", username)
		}
	}
	done := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(io.LimitReader(stdin, auth.MaxPasswordLen+2)).ReadString('\n')
		done <- result{line, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		return "", errors.New("interrupted while waiting for the password on standard input; no user was created")
	}
	if r.err != nil && !errors.Is(r.err, io.EOF) {
		return "", r.err
	}
	pw := strings.TrimRight(r.line, "\r\n")
	if len(pw) < minPasswordLen || len(pw) > auth.MaxPasswordLen {
		return "", fmt.Errorf("the password (read from standard input) must be %d to %d bytes", minPasswordLen, auth.MaxPasswordLen)
	}
	return pw, nil
}

// describe spells out a domain validation error for the terminal.
func describe(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	parts := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Errorf("%s: %s", de.Message, strings.Join(parts, "; "))
}

func runPolicyCheck(args []string, stdout, stderr io.Writer) error {
	dir, err := policyDirArg("policy check", "load and type-check a policy directory", args, stderr)
	if err != nil {
		return err
	}
	p, err := loadPolicy(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exaccess: policy %s is valid\n%s", policyName(dir), p.Summary())
	return nil
}

// policyDirArg reads the one optional argument of the policy commands, a
// directory, through a flag set of its own so that -h prints the command's
// usage like every other command's.
func policyDirArg(name, what string, args []string, stderr io.Writer) (string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: exaccess %s [DIR]\n%s; without DIR, the policy embedded in the binary\n", name, what)
	}
	if err := parseQuiet(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() > 1 {
		return "", fmt.Errorf("%s: unexpected argument %q; it takes at most one directory, and its flags before it; %w", name, fs.Arg(1), errUsage)
	}
	return fs.Arg(0), nil
}
