package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"
	"exaccess/storage"
)

// runUser dispatches the account subcommands. Each works on a live
// database: servers see a change within seconds (they reload account
// states every second), so nothing needs to be stopped.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("user: name a subcommand: list, add, disable, enable, roles, email or reset-password; %w", errUsage)
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "list":
		return runUserList(ctx, args[1:], getenv, stdout, stderr)
	case "disable", "enable", "roles", "email", "reset-password":
		return runUserChange(ctx, args[0], args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("user: unknown subcommand %q (list, add, disable, enable, roles, email, reset-password); %w", args[0], errUsage)
}

// cliActor is who the audit log names for an account change made from the
// command line: cli:<USER>, else cli:<the operating-system user of this
// process>, else cli:uid:<N>. Never domain.SystemActor, which is the
// server's own actions: `docker compose exec`, the documented way to run
// these commands in a container, sets no USER.
func cliActor(getenv func(string) string) string {
	if u := getenv("USER"); actorName(u) {
		return "cli:" + u
	}
	if u, err := currentOSUser(); err == nil && actorName(u) {
		return "cli:" + u
	}
	return "cli:uid:" + strconv.Itoa(os.Getuid())
}

// currentOSUser is the name of the operating-system user running the
// command; a variable so that tests can take it away.
var currentOSUser = func() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

// actorName tells whether s may follow "cli:" in the audit log: printable
// ASCII without spaces, at most 64 bytes.
func actorName(s string) bool {
	return s != "" && len(s) <= 64 && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e })
}

func runUserList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("user list", getenv, stderr)
	role := fs.String("role", "", "only accounts holding this role")
	dir := policiesFlag(fs, getenv)
	nation := fs.String("nation", "", "only liaison officers of this nation")
	disabled := fs.String("disabled", "", "true: only disabled accounts; false: only enabled ones")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f := domain.UserFilter{Nation: domain.NormalizeNation(*nation), Limit: 200}
	// The policy, so that the warnings name only the roles it does not
	// (domain.AccountWarnings).
	if _, err := loadPolicy(*dir); err != nil {
		return fmt.Errorf("user list: the policy that may name roles: %w", err)
	}
	if *role != "" {
		// Any well-formed role name: also one the policy no longer names,
		// to find the accounts that still hold it.
		if _, ok := domain.ParseRole(*role); !ok && !domain.WellFormedRoleName(*role) {
			return &flagError{fmt.Sprintf("user list: --role %q: unknown role (one of %s); see 'exaccess user list -h'", *role, joinRoles(domain.AllRoles()))}
		}
		f.Role = domain.Role(*role)
	}
	if *disabled != "" {
		b, err := strconv.ParseBool(*disabled)
		if err != nil {
			return &flagError{fmt.Sprintf("user list: --disabled %q must be true or false; see 'exaccess user list -h'", *disabled)}
		}
		f.Disabled = &b
	}
	db, err := openExisting(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	w := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "USERNAME\tROLES\tNATION\tEMAIL\tSTATE\tID")
	var warnings []string
	for {
		page, err := db.ListUsers(ctx, f)
		if err != nil {
			return err
		}
		for _, u := range page.Items {
			state := stateText(&u)
			if ws := domain.AccountWarnings(&u); len(ws) > 0 {
				state += ", WARNING (below)"
				for _, msg := range ws {
					warnings = append(warnings, fmt.Sprintf("exaccess: warning: account %s: %s", u.Username, msg))
				}
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, rolesText(u.Roles), dash(u.Nation), dash(u.Email), state, u.ID)
		}
		if page.NextAfter == "" {
			break
		}
		f.After = page.NextAfter
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// Accounts stored before a rule that refuses them now: what is wrong
	// and what to do, as the console's users pages say.
	for _, line := range warnings {
		fmt.Fprintln(stdout, line)
	}
	return nil
}

func rolesText(rs []domain.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func emailText(s string) string {
	if s == "" {
		return "none (no e-mail notifications)"
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// otpUntil is when u's one-time password stops signing in, in UTC.
func otpUntil(u *domain.User) string {
	if u.OneTimePasswordExpiresAt == nil {
		return "-"
	}
	return u.OneTimePasswordExpiresAt.UTC().Format(time.RFC3339)
}

func stateText(u *domain.User) string {
	var parts []string
	switch {
	case u.Disabled():
		parts = append(parts, "disabled ("+u.DisabledReason+")")
	default:
		parts = append(parts, "enabled")
	}
	if u.Locked(time.Now()) {
		parts = append(parts, "locked until "+u.LockedUntil.Format(time.RFC3339))
	}
	if u.MustChangePassword && u.OneTimePasswordExpired(time.Now()) {
		parts = append(parts, "one-time password expired")
	} else if u.MustChangePassword {
		parts = append(parts, "one-time password until "+otpUntil(u))
	}
	if u.External {
		parts = append(parts, "identity provider")
	}
	return strings.Join(parts, ", ")
}

// runUserChange disables, enables, changes roles or e-mail address of, or
// resets the password of the account named by --username.
func runUserChange(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("user "+cmd, getenv, stderr)
	username := fs.String("username", "", "the account")
	reason := fs.String("reason", "", "why (required to disable or enable; recorded in the audit log)")
	var rl roleList
	var nation, email optionalFlag
	var dir *string
	if cmd == "roles" {
		fs.Var(&rl, "role", "a role (repeatable); the new list replaces the old")
		dir = policiesFlag(fs, getenv)
		fs.Var(&nation, "nation", `a liaison officer's nation ("" for none; left out, roles without liaison_officer remove it)`)
	}
	if cmd == "email" {
		fs.Var(&email, "email", `the new e-mail address ("" removes it)`)
		dir = policiesFlag(fs, getenv)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return missingFlag(fs, "--username is required")
	}
	if dir != nil {
		if err := knownRoles("user "+cmd, *dir, rl...); err != nil {
			return err
		}
	}
	if cmd == "email" && !email.set {
		return missingFlag(fs, `--email is required (--email "" removes the address)`)
	}
	if (cmd == "disable" || cmd == "enable") && strings.TrimSpace(*reason) == "" {
		return missingFlag(fs, "--reason is required (recorded in the audit log)")
	}
	db, err := openExisting(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.GetUserByUsername(ctx, *username)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return fmt.Errorf("user %s: no such account in %s", *username, maskedDB(*dsn))
	}
	if err != nil {
		return fmt.Errorf("user %s: %w", *username, err)
	}
	if dir != nil && len(rl) == 0 { // the account keeps its roles: the policy must name them
		if err := heldRolesKnown("user "+cmd, *dir, u); err != nil {
			return err
		}
	}
	svc, err := userService(ctx, db)
	if err != nil {
		return err
	}
	return applyUserChange(ctx, svc, cmd, u, cliActor(getenv), *reason, userEdit{roles: rl, nation: nation, email: email}, stdout)
}

// userEdit is what the roles and email subcommands change.
type userEdit struct {
	roles         roleList
	nation, email optionalFlag
}

func applyUserChange(ctx context.Context, svc *domain.UserService, cmd string, u *domain.User, actor, reason string,
	edit userEdit, stdout io.Writer) error {
	var changed *domain.User
	var err error
	var cleared string // the nation the roles took away
	switch cmd {
	case "disable", "enable":
		changed, err = svc.SetDisabled(ctx, actor, u.ID, cmd == "disable", reason)
	case "roles":
		ch := domain.UserChange{Reason: reason}
		if len(edit.roles) > 0 {
			roles := []domain.Role(edit.roles)
			ch.Roles = &roles
		}
		if edit.nation.set {
			ch.Nation = &edit.nation.value
		} else if cleared = clearedNation(u, edit.roles); cleared != "" {
			ch.Nation = new(string) // only liaison officers are bound to a nation
		}
		changed, err = svc.Change(ctx, actor, u.ID, u.Version, ch)
	case "email":
		addr := edit.email.value
		if changed, err = svc.Change(ctx, actor, u.ID, u.Version, domain.UserChange{Email: &addr, Reason: reason}); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "exaccess: email: %s: e-mail %s; its tokens stay valid\n", changed.Username, emailText(changed.Email))
		return nil
	case "reset-password":
		otp, hash, herr := auth.OneTimePassword()
		if herr != nil {
			return herr
		}
		if changed, err = svc.ResetPassword(ctx, actor, u.ID, hash, reason); err == nil {
			fmt.Fprintf(stdout, "exaccess: one-time password of %s (shown once; they must change it at sign-in): %s\n", u.Username, otp)
			fmt.Fprintf(stdout, "exaccess: it signs in until %s; after that, reset the password again\n", otpUntil(changed))
		}
	}
	if err != nil {
		return describe(err)
	}
	if cmd == "roles" && changed.Version == u.Version {
		fmt.Fprintf(stdout, "exaccess: roles: %s: nothing to change (roles %s, nation %s); its tokens stay valid\n",
			changed.Username, rolesText(changed.Roles), dash(changed.Nation))
		return nil
	}
	fmt.Fprintf(stdout, "exaccess: %s: %s, roles %s, nation %s, %s; servers refuse its older tokens within %v\n",
		cmd, changed.Username, rolesText(changed.Roles), dash(changed.Nation), stateText(changed), domain.AccountMaxAge+domain.AccountRefresh)
	if cleared != "" {
		fmt.Fprintf(stdout, "exaccess: roles: %s: nation %s removed: only liaison officers are bound to a nation\n", changed.Username, cleared)
	}
	if cmd == "disable" || cmd == "roles" {
		return warnUnheld(ctx, svc, stdout)
	}
	return nil
}

// clearedNation is the nation of u that roles, given without --nation,
// take away: u's, when roles leave liaison officer out; "" when they keep
// it or u has none.
func clearedNation(u *domain.User, roles roleList) string {
	if len(roles) == 0 || slices.Contains(roles, domain.RoleLiaison) {
		return ""
	}
	return u.Nation
}

// warnUnheld says which approver roles no enabled account holds after a
// change that may have taken the last holder away, as the console's users
// pages do.
func warnUnheld(ctx context.Context, svc *domain.UserService, stdout io.Writer) error {
	unheld, err := svc.UnheldApproverRoles(ctx)
	if err != nil || len(unheld) == 0 {
		return err
	}
	fmt.Fprintf(stdout, "exaccess: warning: no enabled account holds %s: its stages are in nobody's queue and its reminders reach nobody\n",
		rolesText(unheld))
	return nil
}

// userService wires the account service to db and its reference data.
func userService(ctx context.Context, db *storage.DB) (*domain.UserService, error) {
	ref, err := db.Reference(ctx)
	if err != nil {
		return nil, err
	}
	return domain.NewUserService(db, ref, time.Now, newID), nil
}

// optionalFlag is a string flag that knows whether it was given at all.
type optionalFlag struct {
	set   bool
	value string
}

func (o *optionalFlag) String() string { return o.value }
func (o *optionalFlag) Set(s string) error {
	o.set, o.value = true, s
	return nil
}

var _ flag.Value = (*optionalFlag)(nil)
