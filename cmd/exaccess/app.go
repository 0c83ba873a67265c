package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"exaccess/api"
	"exaccess/api/auth"
	"exaccess/auditlog"
	"exaccess/docs"
	"exaccess/domain"
	"exaccess/notify"
	"exaccess/policies"
	"exaccess/storage"

	"github.com/google/uuid"
)

// app is the wired program: the database, the policy and the services.
type app struct {
	db         *storage.DB
	ref        *domain.ReferenceData
	policy     *policies.Policy
	users      *domain.UserService
	requests   *domain.RequestService
	approvals  *domain.ApprovalService
	frameworks *domain.FrameworkService
	// notifications: each user's channels and webhooks (notifysettings.go).
	notifications *domain.NotificationService
	principals    *domain.AccountCache
	audit         *auditlog.Service
	api           *api.Server
	// notifyMetrics count the notification worker's deliveries (notify.go).
	notifyMetrics *notify.Metrics
	// mailHealth is the periodic check of the mail server; nil without
	// --smtp-url.
	mailHealth *notify.MailHealth
}

// openApp loads the policy (failing first, before touching the database, if
// it does not compile), opens and migrates the database, loads reference data
// and keys, and wires the services.
func openApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	policy, err := loadPolicy(cfg.Policies)
	if err != nil {
		return nil, err
	}
	if err := cfg.Security.knownIdPRoles(); err != nil { // a policy's roles are known now
		return nil, err
	}
	db, err := openDB(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	warnExposed(db, log)
	db.SetLog(log)
	a, err := wire(ctx, cfg, db, policy, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func wire(ctx context.Context, cfg config, db *storage.DB, policy *policies.Policy, log *slog.Logger) (*app, error) {
	ref, err := db.Reference(ctx)
	if err != nil {
		return nil, fmt.Errorf("load reference data: %w", err)
	}
	seed, err := db.GetOrCreateKey(ctx, "token-signing", auth.NewSeed)
	if err != nil {
		return nil, fmt.Errorf("token signing key: %w", err)
	}
	tokens, err := auth.NewTokens(seed, cfg.Issuer, cfg.Audience, cfg.TokenTTL, time.Now)
	if err != nil {
		return nil, err
	}
	audit, err := openAuditLog(ctx, db, cfg.DB, cfg.Checkpoint, log)
	if err != nil {
		return nil, err
	}
	check, err := db.PermitCheckSecret(ctx)
	if err != nil {
		return nil, fmt.Errorf("permit check secret: %w", err)
	}
	permits, err := auditlog.NewPermitService(db, audit.Signer(), check, time.Now)
	if err != nil {
		return nil, err
	}
	permits.WithKeyCheckOf(audit) // a superseded key signs no permit either
	a := &app{db: db, ref: ref, policy: policy, audit: audit,
		users:      domain.NewUserService(db, ref, time.Now, newID),
		requests:   domain.NewRequestService(db, policy, ref, time.Now, newID),
		approvals:  domain.NewApprovalService(db, ref, time.Now, newID),
		frameworks: domain.NewFrameworkService(db, ref, time.Now, newID),
		principals: domain.NewAccountCache(db)}
	a.notifications = domain.NewNotificationService(db, time.Now, newID)
	a.notifications.AllowHTTP = cfg.Notify.WebhookAllowHTTP
	a.notifications.AllowPrivate = cfg.Notify.WebhookAllowPrivate
	a.notifications.WebhookASCIIHost = notify.WebhookASCIIHost
	deps := api.Deps{Tokens: tokens, Requests: a.requests, Approvals: a.approvals, Frameworks: a.frameworks,
		Refusals: domain.NewRefusalLog(db, time.Now, domain.NewRefusalMemory(domain.RefusalWindow, domain.RefusalMemoryKeys)), Users: db, Reference: ref, OpenAPI: docs.OpenAPI, Log: log, Audit: audit,
		Permits: permits,
		Metrics: api.NewMetrics(db), Ready: a.ready, Accounts: a.users, Principals: a.principals,
		Inbox: domain.NewInboxService(db, time.Now), Notifications: a.notifications}
	deps.Metrics.WatchWitnesses(audit.Witnesses)
	deps.Metrics.WatchRefusals(deps.Refusals.Suppressed)
	deps.Metrics.WatchAuditGaps(audit.GapsFound)
	deps.Metrics.WatchSigning(audit.SigningRefusal, auditlog.SigningRefusalReasons)
	a.notifyMetrics = notify.NewMetrics(db, time.Now)
	deps.Metrics.Register(a.notifyMetrics.Collectors()...)
	if a.mailHealth, err = cfg.Notify.mailHealth(log); err != nil {
		return nil, err
	}
	if a.mailHealth != nil {
		deps.Components = mailComponent(a.mailHealth)
		deps.Metrics.Register(a.mailHealth.Collector())
	}
	if err := addSecurity(ctx, cfg.Security, ref, log, &deps); err != nil {
		return nil, err
	}
	if err := addConsole(a, cfg, log, &deps); err != nil {
		return nil, err
	}
	a.api = api.New(deps)
	return a, nil
}

// warnExposed warns, at start, of database files that others than their
// owner may read: they hold the token signing key, webhook secrets and
// password hashes. A database created by an earlier release (which left
// the mode to the umask, 0644 under the usual 022) is one.
func warnExposed(db *storage.DB, log *slog.Logger) {
	for _, f := range db.ExposedFiles() {
		log.Warn("the database file is readable or writable by group or others, yet holds the token signing key, webhook secrets and password hashes: chmod 600 it (and its -wal and -shm)",
			"path", f.Path, "mode", fmt.Sprintf("%#o", f.Mode))
	}
}

// ready reports whether this process can serve: the database answers, its
// schema is exactly the one this binary knows, and the policy is loaded.
// Each refusal's Message says which check failed (/readyz's 503 shows it);
// its Cause, the driver's or the version's text, is for the log only.
func (a *app) ready(ctx context.Context) error {
	if a.policy == nil {
		return domain.Errorf(domain.CodeInternal, "no routing policy is loaded")
	}
	if err := a.db.Ping(ctx); err != nil {
		return &domain.Error{Code: domain.CodeInternal, Message: "the database does not answer", Cause: err}
	}
	if err := a.db.CheckSchema(ctx); err != nil {
		msg := "the database schema is not the version this binary knows (see the server log)"
		if !storage.SchemaMismatch(err) {
			msg = "the database does not answer" // its version could not be read
		}
		return &domain.Error{Code: domain.CodeInternal, Message: msg, Cause: err}
	}
	return nil
}

// openExisting opens a database without migrating it and refuses one whose
// schema is not the one this binary knows: for commands that only read or
// check, which must never upgrade a database under a running older server.
// Like every command but serve and migrate, it refuses a SQLite path with
// no file (openPresent).
func openExisting(ctx context.Context, dsn string) (*storage.DB, error) {
	db, err := openPresent(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openPresent opens a database that must exist, as it is. A mistyped or
// forgotten --db would otherwise leave a new, empty database behind, and
// `user add` would even put the first administrator into it.
func openPresent(ctx context.Context, dsn string) (*storage.DB, error) {
	db, err := storage.OpenExisting(ctx, dsn)
	if errors.Is(err, storage.ErrNoDatabase) {
		return nil, fmt.Errorf("no database at %s (serve or migrate creates one)", maskedDB(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// dbFlags is the flag set of a subcommand that works on a database: --db
// (EXACCESS_DB) and whatever the subcommand adds to it.
func dbFlags(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *string) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbFlag(fs, &cfg, getenv)
	return fs, &cfg.DB
}

// openDB opens and migrates the database.
func openDB(ctx context.Context, dsn string) (*storage.DB, error) {
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return db, nil
}

// loadPolicy loads the policy of dir (the embedded default for "") and
// makes the approver roles its stages name known (domain.AddApproverRoles),
// before anything is served: accounts may then be given them.
func loadPolicy(dir string) (*policies.Policy, error) {
	var p *policies.Policy
	var err error
	if dir == "" {
		p, err = policies.Default()
	} else {
		p, err = policies.LoadDir(dir)
	}
	if err != nil {
		return nil, err
	}
	domain.AddApproverRoles(p.Roles()...)
	return p, nil
}

// newID returns a time-ordered id (UUIDv7): new rows land at the end of the
// index instead of dirtying random pages, and ids sort by creation.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}
