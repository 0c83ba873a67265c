// Package apptest builds, for the scenario tests of api and web, everything
// a server needs short of the server: a real database with its reference
// data, the default policy, the test users, the token and audit signers and
// the domain services. It is an ordinary package used only from tests. It
// must not import exaccess/api or exaccess/web: the internal tests of those
// packages import it, and that would be an import cycle.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"exaccess/api/auth"
	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/notify"
	"exaccess/policies"
	"exaccess/storage"
	"exaccess/storage/storagetest"

	"github.com/google/uuid"
)

// Now is the fixed clock of every scenario: Monday 23 November 2026, 09:00 UTC.
var Now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// Password is every test user's password.
const Password = "correct horse battery"

// Users are the accounts New creates, in this order, all with Password.
var Users = []domain.User{
	{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
	{Username: "lo-no2", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
	{Username: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"},
	{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
	{Username: "range", Roles: []domain.Role{domain.RoleRange}},
	{Username: "ops", Roles: []domain.Role{domain.RoleOperations}},
	{Username: "ops2", Roles: []domain.Role{domain.RoleOperations}},
	{Username: "gov", Roles: []domain.Role{domain.RoleMinistry}},
	{Username: "gov2", Roles: []domain.Role{domain.RoleMinistry}},
	{Username: "auditor", Roles: []domain.Role{domain.RoleAuditor}},
	{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}},
}

// Options changes what New builds; the zero value is the usual set-up.
type Options struct {
	// Users replaces Users as the accounts created; nil means Users.
	Users []domain.User
	// Policy replaces the default policy; nil means policies.Default.
	Policy *policies.Policy
}

// App is the real domain on a real database: what api.New and web.New are
// wired with in the scenario tests.
type App struct {
	DB        *storage.DB
	Reference *domain.ReferenceData
	Policy    *policies.Policy
	// Clock is the services' clock. A test may replace it between steps
	// (not concurrently): every service reads it through Now on each call.
	// The token signer does not: see Tokens.
	Clock func() time.Time
	// NewID makes the ids of new records.
	NewID func() string
	// Tokens issues and checks API tokens on the fixed clock Now, so the
	// tokens issued at the start stay valid whatever Clock is moved to.
	Tokens *auth.Tokens
	// Signer signs the audit log's checkpoints and the permits.
	Signer *auditlog.Signer
	// Created are the test users as created, by username.
	Created map[string]domain.User

	Accounts      *domain.UserService
	Requests      *domain.RequestService
	Approvals     *domain.ApprovalService
	Frameworks    *domain.FrameworkService
	Notifications *domain.NotificationService // http:// and private webhook URLs allowed: the receivers are httptest servers
	Inbox         *domain.InboxService
	Refusals      *domain.RefusalLog
	Audit         *auditlog.Service
	Permits       *auditlog.PermitService
	Principals    *domain.AccountCache
}

// Now is the current time of Clock; pass the method value a.Now, not
// a.Clock, to what should follow Clock when a test moves it.
func (a *App) Now() time.Time { return a.Clock() }

// New opens a fresh database at dsn (storagetest.Open), creates the users
// and builds the signers and services. Any failure fails t.
func New(t testing.TB, dsn string, opts Options) *App {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	db := storagetest.Open(t, dsn)
	ref, err := db.Reference(ctx)
	must(err)
	policy := opts.Policy
	if policy == nil {
		var err error
		policy, err = policies.Default()
		must(err)
	}
	// As serve does, the policy's own roles become known, until the test ends.
	t.Cleanup(domain.SnapshotRoles().Restore)
	domain.AddApproverRoles(policy.Roles()...)
	fixed := func() time.Time { return Now }
	a := &App{DB: db, Reference: ref, Policy: policy, Clock: fixed,
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	seed, err := db.GetOrCreateKey(ctx, "token-signing", auth.NewSeed)
	must(err)
	a.Tokens, err = auth.NewTokens(seed, "exaccess", "exaccess-api", time.Hour, fixed)
	must(err)
	skey, err := db.GetOrCreateKey(ctx, auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	must(err)
	a.Signer, err = auditlog.NewSigner(skey)
	must(err)

	a.Accounts = domain.NewUserService(db, ref, a.Now, a.NewID)
	hash, err := auth.HashPassword(Password)
	must(err)
	a.Created = map[string]domain.User{}
	users := opts.Users
	if users == nil {
		users = Users
	}
	for _, u := range users {
		u.Roles = append([]domain.Role(nil), u.Roles...) // the service may keep the slice
		created, err := a.Accounts.CreateUser(ctx, "system", u, hash)
		must(err)
		a.Created[u.Username] = *created
	}

	a.Requests = domain.NewRequestService(db, policy, ref, a.Now, a.NewID)
	a.Approvals = domain.NewApprovalService(db, ref, a.Now, a.NewID)
	a.Frameworks = domain.NewFrameworkService(db, ref, a.Now, a.NewID)
	a.Notifications = domain.NewNotificationService(db, a.Now, a.NewID)
	a.Notifications.AllowHTTP = true
	a.Notifications.AllowPrivate = true
	a.Notifications.WebhookASCIIHost = notify.WebhookASCIIHost
	a.Inbox = domain.NewInboxService(db, a.Now)
	a.Refusals = domain.NewRefusalLog(db, a.Now, domain.NewRefusalMemory(domain.RefusalWindow, domain.RefusalMemoryKeys))
	a.Audit = auditlog.NewService(db, a.Signer, a.Now)
	check, err := db.PermitCheckSecret(ctx)
	must(err)
	a.Permits, err = auditlog.NewPermitService(db, a.Signer, check, a.Now)
	must(err)
	a.Principals = domain.NewAccountCache(db)
	return a
}

// Logger is the servers' log in tests: discarded unless EXACCESS_TEST_LOG
// is set, which is how to see an internal error's cause while debugging.
func Logger() *slog.Logger {
	if os.Getenv("EXACCESS_TEST_LOG") != "" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(io.Discard, nil))
}

// PolicyWith is the default policy with the text old of its file replaced
// by new (a condition, say), loaded as a custom policy would be; a text
// that is not in the file, or a policy that does not load, fails t.
func PolicyWith(t testing.TB, old, new string) *policies.Policy {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	text, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "policies", "default", policies.FileName))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(text), old, new, 1)
	if changed == string(text) {
		t.Fatalf("%q is not in the default policy", old)
	}
	const name = "custom/" + policies.FileName
	p, err := policies.Load(fstest.MapFS{name: {Data: []byte(changed)}}, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// CustomsStage is a review stage of a role no server has built in,
// customs_officer, written as the first of the default policy's stages
// (it replaces "stages:\n"): the policy-role tests' routing policy.
const CustomsStage = `stages:
  - id: customs
    role: customs_officer
    order: 2
    when: "true"
    approvals_required: 1
    sla_working_days: 2
    reason: the Swedish Customs check what crosses the border
`

// CustomsPolicy is the default policy with CustomsStage.
func CustomsPolicy(t testing.TB) *policies.Policy {
	t.Helper()
	return PolicyWith(t, "stages:\n", CustomsStage)
}

// Supersede records the server's key as the log's, then a newer one, as
// another server started with a rotated key (audit rotate-key) would.
func Supersede(t testing.TB, db *storage.DB, current string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.RecordSigningKey(ctx, current, nil); err != nil {
		t.Fatal(err)
	}
	skey, err := auditlog.NewSignerKey("rotated.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	next, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	rotated := &domain.AuditEntry{At: now, Actor: domain.SystemActor, Action: domain.AuditKeyRotated,
		Data: domain.AuditFields(domain.AuditKeyRotated, domain.KeyRotatedData{VerifierKey: next.VerifierKey(), PreviousVerifierKey: current})}
	if ok, err := db.RecordSigningKey(ctx, next.VerifierKey(), rotated); err != nil || !ok {
		t.Fatalf("record the new key: %v %v", ok, err)
	}
}
