package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"exaccess/auditlog"
	"exaccess/storage"
)

// openAuditLog gives the server its audit log: the checkpoint signer key is
// created on first start (and never logged), and entries that predate the
// Merkle tree get their hashes before the first checkpoint is signed.
func openAuditLog(ctx context.Context, db *storage.DB) (*auditlog.Service, error) {
	signer, err := auditSigner(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := db.BackfillAuditHashes(ctx); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return auditlog.NewService(db, signer, time.Now), nil
}

func auditSigner(ctx context.Context, db *storage.DB) (*auditlog.Signer, error) {
	skey, err := db.GetOrCreateKey(ctx, auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint signing key: %w", err)
	}
	return auditlog.NewSigner(skey)
}

// runAudit is `exaccess audit key|verify`.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "key" {
		return runAuditKey(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "verify" {
		return runAuditVerify(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("audit: the subcommands are 'audit key' and 'audit verify'; %w", errUsage)
}

// runAuditKey prints the public verifier key, creating the key pair if the
// database has none yet (as the server's first start would). It does not
// migrate: a newer binary must not upgrade the schema under a running server.
func runAuditKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("audit key", getenv, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openExisting(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	signer, err := auditSigner(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, signer.VerifierKey())
	return nil
}

// errNotVerified makes the command exit non-zero after it printed why.
var errNotVerified = errors.New("audit verify: the log did not verify")

func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("audit verify", getenv, stderr)
	export := fs.String("export", "", "an NDJSON export to verify offline (no server, no database)")
	keyFile := fs.String("key", "", "a file holding the verifier key (GET /api/v1/audit/key)")
	previous := fs.String("previous", "", "an earlier export or saved checkpoint the export must be consistent with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *export == "" {
		return verifyDatabase(ctx, *dsn, *keyFile, stdout)
	}
	if *keyFile == "" {
		return fmt.Errorf("audit verify --export needs --key: the verifier key, kept apart from the export; %w", errUsage)
	}
	key, err := readKeyFile(*keyFile)
	if err != nil {
		return err
	}
	return verifyExportFile(*export, *previous, key, stdout)
}

func readKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the verifier key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func verifyExportFile(path, previous, key string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := auditlog.VerifyExport(f, key)
	if err != nil {
		return err
	}
	ok := printReport(stdout, rep, rep.Summary())
	if previous != "" && ok {
		p, err := os.Open(previous)
		if err != nil {
			return err
		}
		defer p.Close()
		crep, err := auditlog.VerifyConsistency(f, p, key)
		if err != nil {
			return fmt.Errorf("consistency with %s: %w", previous, err)
		}
		summary := fmt.Sprintf("consistent: the log of %d entries signed earlier is a prefix of this one", crep.Count)
		ok = printReport(stdout, crep, summary)
	}
	if !ok {
		return errNotVerified
	}
	return nil
}

// printReport prints the summary (or the failure line) and each problem,
// and tells whether all was well.
func printReport(w io.Writer, rep *auditlog.Report, summary string) bool {
	if !rep.OK() {
		summary = rep.Summary()
	}
	fmt.Fprintln(w, summary)
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "  "+p.String())
	}
	return rep.OK()
}

// verifyDatabase checks a database's stored log against its checkpoints.
// It opens the database without migrating it: a check must not write.
func verifyDatabase(ctx context.Context, dsn, keyFile string, stdout io.Writer) error {
	db, err := openExisting(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := databaseKey(ctx, db, keyFile, stdout)
	if err != nil {
		return err
	}
	rep, err := auditlog.VerifyStored(ctx, db, key)
	if err != nil {
		return err
	}
	if !printReport(stdout, rep, storedSummary(rep)) {
		return errNotVerified
	}
	return nil
}

func storedSummary(rep *auditlog.Report) string {
	if rep.Count == 0 {
		return fmt.Sprintf("verified: the log is empty, as %d kept checkpoint(s) say", rep.Checkpoints)
	}
	return fmt.Sprintf("verified: entries 0..%d and their stored hashes, against %d kept checkpoint(s), the largest of size %d",
		rep.Count-1, rep.Checkpoints, max(rep.TreeSize, 0))
}

// databaseKey is the key given in keyFile or, failing that, the database's
// own. Whoever can rewrite the database can also replace its key, so the
// command says which one it used.
func databaseKey(ctx context.Context, db *storage.DB, keyFile string, stdout io.Writer) (string, error) {
	if keyFile != "" {
		return readKeyFile(keyFile)
	}
	skey, err := db.ReadKey(ctx, auditlog.SignerKeyName)
	if err != nil {
		return "", fmt.Errorf("the database has no checkpoint key (was the server ever started?): %w", err)
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "checking against the database's own key %s; pass --key with a key kept elsewhere to rule out a swapped key\n",
		signer.VerifierKey())
	return signer.VerifierKey(), nil
}
