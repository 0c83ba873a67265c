package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
)

// openAuditLog gives the server its audit log: the checkpoint signing key
// from its file outside the database (created on first start, never
// logged), a key still held in the database moved out of it, a new key
// recorded in the log, and hashes for entries that predate the Merkle tree.
// It never creates a key file for a database whose log records a key
// already, and never starts with a key the log records as superseded: the
// servers of one log sign with one key, the latest it records.
func openAuditLog(ctx context.Context, db *storage.DB, dsn string, cfg checkpointConfig, log *slog.Logger) (*auditlog.Service, error) {
	path := cfg.keyPath(dsn)
	moved, err := moveKeyOut(ctx, db, path, log)
	if err != nil {
		return nil, err
	}
	keys, err := db.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	signer, created, err := loadSigner(path, cfg, keys, moved)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("created the checkpoint signing key file", "path", path, "verifier_key", signer.VerifierKey())
	}
	if err := db.BackfillAuditHashes(ctx); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := recordKey(ctx, db, signer, keys, moved, path, log); err != nil {
		return nil, err
	}
	ws, err := cfg.witnessesOf()
	if err != nil {
		return nil, err
	}
	return auditlog.NewService(db, signer, time.Now).WithWitnesses(ws, log).WithKeyCheck(db, path, log).
		WithHead(ctx, auditlog.HeadPath(path), log)
}

// loadSigner reads the key file at path. It creates a missing one only
// while the log records no key (a new installation), or when the key was
// just moved out of the database (which retires it): otherwise the new key
// would take over from the recorded one in the log, behind the back of the
// servers that sign with it.
func loadSigner(path string, cfg checkpointConfig, keys []string, moved string) (*auditlog.Signer, bool, error) {
	if len(keys) == 0 || moved != "" {
		signer, created, err := auditlog.LoadOrCreateKeyFile(path, cfg.Origin, defaultOrigin())
		if err != nil {
			return nil, false, fmt.Errorf("checkpoint signing key: %w", err)
		}
		return signer, created, nil
	}
	signer, err := auditlog.LoadKeyFile(path, cfg.Origin)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, false, fmt.Errorf("checkpoint signing key: there is no key file at %s, but the audit log already records checkpoint key %s; "+
			"a new key would take over from it behind the other servers' backs, so none is created. Restore the key file there, or point "+
			"--checkpoint-key (EXACCESS_CHECKPOINT_KEY) at the file the other servers use; only if the key is lost, replace it deliberately with "+
			"exaccess audit rotate-key --lost --checkpoint-key %s --db DB", path, auditlog.KeyID(keys[len(keys)-1]), path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("checkpoint signing key: %w", err)
	}
	return signer, false, nil
}

// moveKeyOut takes a checkpoint key that an earlier version kept in the
// keys table out of the database, into a retired key file beside the key
// file, and says so in the log. It was readable by whoever could read the
// database or its backups, so it signs nothing more: a new key takes over.
// It returns the moved key's verifier key, or "".
func moveKeyOut(ctx context.Context, db *storage.DB, keyFile string, log *slog.Logger) (string, error) {
	var vkey, retired string
	err := db.TakeKey(ctx, auditlog.SignerKeyName, func(material []byte) error {
		s, err := auditlog.NewSigner(material)
		if err != nil {
			return err
		}
		vkey, retired = s.VerifierKey(), retiredPath(keyFile, time.Now())
		_, err = auditlog.CreateKeyFile(retired, append(material, '\n'))
		return err
	})
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("move the checkpoint key out of the database: %w", err)
	}
	log.Warn("moved the checkpoint signing key out of the database: it was readable by whoever could read the database or its backups, so a new key signs from now on",
		"retired_key_file", retired, "retired_verifier_key", vkey, "key_file", keyFile)
	return vkey, nil
}

// recordKey records the signer's key in the log's list of keys; when it
// takes over from an earlier key, an audit.key_rotated entry says so, with
// the size of the last checkpoint the earlier key signed (retired_key_bound,
// the N of an auditor's --key FILE@N) when a kept checkpoint shows it.
//
// A key the log records, but not as its latest, was superseded (an audit
// rotate-key, and a server started with the new key): it is refused, as
// signing with it would sign checkpoints with a key the log calls retired.
func recordKey(ctx context.Context, db *storage.DB, signer *auditlog.Signer, keys []string, moved, path string, log *slog.Logger) error {
	if i := slices.Index(keys, signer.VerifierKey()); i >= 0 && i < len(keys)-1 {
		return fmt.Errorf("checkpoint signing key: the key in %s (%s) was superseded: the audit log records %s as its latest key, "+
			"after a rotation (exaccess audit rotate-key) that another server's start recorded; start with the current key file, the one "+
			"the other servers use, or rotate again deliberately with exaccess audit rotate-key", path, auditlog.KeyID(signer.VerifierKey()),
			auditlog.KeyID(keys[len(keys)-1]))
	}
	previous := moved
	if len(keys) > 0 {
		previous = keys[len(keys)-1]
	}
	var entry *domain.AuditEntry
	var bound *int64
	var boundErr error
	if previous != "" && previous != signer.VerifierKey() {
		data := domain.KeyRotatedData{VerifierKey: signer.VerifierKey(), PreviousVerifierKey: previous}
		if moved != "" {
			data.Reason = "moved_out_of_database"
		}
		// Read before the entry is appended: no checkpoint of the new key
		// exists yet, and every server was stopped, so the latest kept
		// checkpoint is the retired key's last, if it is kept at all.
		bound, boundErr = retiredBound(ctx, db, previous)
		data.RetiredKeyBound = bound
		entry = &domain.AuditEntry{At: time.Now(), Actor: domain.SystemActor, Action: domain.AuditKeyRotated,
			Data: domain.AuditFields(domain.AuditKeyRotated, data)}
	}
	recorded, err := db.RecordSigningKey(ctx, signer.VerifierKey(), entry)
	if err != nil {
		return fmt.Errorf("record the checkpoint key: %w", err)
	}
	if recorded && entry != nil {
		log.Warn("the checkpoint signing key changed; recorded in the audit log", "index", entry.Index,
			"verifier_key", signer.VerifierKey(), "previous_verifier_key", previous)
		logRetiredBound(log, previous, entry.Index, bound, boundErr)
	}
	return nil
}

// retiredBound is the size of the latest kept checkpoint when the retired
// key signed it, or why there is none.
func retiredBound(ctx context.Context, db *storage.DB, retired string) (*int64, error) {
	cp, err := db.LatestAuditCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	tree, err := auditlog.OpenCheckpoint([]byte(cp.Note), retired)
	if err != nil {
		return nil, err
	}
	return &tree.N, nil
}

// logRetiredBound says up to which tree size the retired key signed, for
// the auditors' --key FILE@N, and where the log records it.
func logRetiredBound(log *slog.Logger, retired string, index int64, bound *int64, err error) {
	if bound == nil {
		msg := "the latest kept checkpoint is not one the retired checkpoint key signed: find the size of the last checkpoint it signed in the auditors' records, and verify with --key FILE@SIZE"
		if err != nil {
			log.Warn(msg, "retired_verifier_key", retired, "error", err.Error())
		} else {
			log.Warn(msg, "retired_verifier_key", retired)
		}
		return
	}
	log.Warn("the retired checkpoint key signed checkpoints of up to max_size entries: verify with its verifier key as --key FILE@max_size, so that nothing it signs later is trusted; the audit.key_rotated entry at index records it as retired_key_bound",
		"index", index, "retired_verifier_key", retired, "max_size", *bound)
}

// runAudit is `exaccess audit key|verify|rotate-key`.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "key":
			return runAuditKey(args[1:], getenv, stdout, stderr)
		case "verify":
			return runAuditVerify(ctx, args[1:], getenv, stdout, stderr)
		case "rotate-key":
			return runAuditRotateKey(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	return fmt.Errorf("audit: the subcommands are 'audit key', 'audit verify' and 'audit rotate-key'; %w", errUsage)
}

// keyFileFlags is the flag set of a command that works on the checkpoint
// key file: --checkpoint-key, or the default beside --db. It gives the key
// file's path and the database.
func keyFileFlags(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, func() string, *string) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbFlag(fs, &cfg, getenv)
	fs.StringVar(&cfg.Checkpoint.KeyFile, "checkpoint-key", envOr(getenv, "EXACCESS_CHECKPOINT_KEY", ""),
		"checkpoint signing key file (EXACCESS_CHECKPOINT_KEY; default: <db>.checkpoint-key, or exaccess-checkpoint.key for PostgreSQL)")
	return fs, func() string { return cfg.Checkpoint.keyPath(cfg.DB) }, &cfg.DB
}

// runAuditKey prints the public verifier key of the checkpoint key file. It
// never opens the database: the key is not there.
func runAuditKey(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, path, dsn := keyFileFlags("audit key", getenv, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	skey, err := auditlog.ReadKeyFile(path())
	if errors.Is(err, iofs.ErrNotExist) {
		return missingKeyFile(path(), fs.Lookup("checkpoint-key").Value.String() != "", storage.IsPostgresDSN(*dsn))
	}
	if err != nil {
		return err
	}
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, signer.VerifierKey())
	return nil
}

// missingKeyFile says that audit key found no key file at path: where it
// looked and, when that was the default (the key kept apart, as
// recommended, is elsewhere), how to name the server's file.
func missingKeyFile(path string, given, postgres bool) error {
	if given {
		return fmt.Errorf("no checkpoint key file at %s (the server creates it on its first start)", path)
	}
	where := "the default beside --db"
	if postgres {
		where = "the default for a PostgreSQL --db, in the working directory"
	}
	return fmt.Errorf("no checkpoint key file at %s, %s: give the server's key file with --checkpoint-key FILE "+
		"or EXACCESS_CHECKPOINT_KEY (a server creates it at its first start)", path, where)
}

// runAuditRotateKey retires the checkpoint key file (kept beside it under a
// dated name) and writes a new key of the same origin in its place. Servers
// sign with the new key after their restart, and the first to start records
// the rotation in the log; checkpoints signed before stay verifiable with
// the old verifier key, which the command prints with the new one. With
// --lost, for a key file that is gone for good, it writes a new key where
// there is none, named after the latest key the database's log records.
func runAuditRotateKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, path, dsn := keyFileFlags("audit rotate-key", getenv, stderr)
	lost := fs.Bool("lost", false, "the key file is lost for good: write a new one where there is none (reads the log's latest key from --db)")
	origin := fs.String("log-origin", "", "the new key's name, the log's origin from now on: a new origin, which witnesses must add as a new log, "+
		"after a restore of an older backup that a witness cosigned beyond (default: the current key's origin)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *origin != "" && !auditlog.ValidOrigin(*origin) {
		return fmt.Errorf("--log-origin must not be empty nor hold spaces or '+'; %w", errUsage)
	}
	p := path()
	if *lost {
		return replaceLostKey(ctx, p, *dsn, *origin, stdout)
	}
	skey, err := auditlog.ReadKeyFile(p)
	if errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("%w: restore the key file from its backup; only if it is lost for good, write a new one with --lost", err)
	}
	if err != nil {
		return err
	}
	old, err := auditlog.NewSigner(skey)
	if err != nil {
		return err
	}
	retired := retiredPath(p, time.Now())
	if err := os.Rename(p, retired); err != nil {
		return fmt.Errorf("retire the key file: %w", err)
	}
	next, _, err := auditlog.LoadOrCreateKeyFile(p, cmp.Or(*origin, old.Origin()), old.Origin())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retired: %s (kept in %s)\nnew:     %s\n", old.VerifierKey(), retired, next.VerifierKey())
	printRotationSteps(stdout)
	printOriginChange(stdout, old.Origin(), next.Origin())
	return nil
}

// printOriginChange says what a new origin asks of the servers' settings
// and of the witnesses.
func printOriginChange(stdout io.Writer, old, next string) {
	if old == next {
		return
	}
	fmt.Fprintf(stdout, "The log's origin changes from %s to %s: a server whose --log-origin (EXACCESS_LOG_ORIGIN) is set must be started with the new one.\n", old, next)
	fmt.Fprintln(stdout, "Each witness must add the new origin as a new log, with the new verifier key, before it cosigns; it keeps what it cosigned for the old one.")
}

// replaceLostKey writes a new key file at path, where there is none, for
// the database at dsn whose log records the lost key: of its origin, so
// that the log keeps its name. The database is only read.
func replaceLostKey(ctx context.Context, path, dsn, newOrigin string, stdout io.Writer) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("--lost: %s exists: it is not lost; rotate without --lost; %w", path, errUsage)
	}
	db, err := openExisting(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := db.SigningKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("--lost: the audit log records no checkpoint key: nothing to replace (a server creates the key at its first start); %w", errUsage)
	}
	latest := keys[len(keys)-1]
	origin, err := auditlog.KeyOrigin(latest)
	if err != nil {
		return fmt.Errorf("--lost: the audit log's latest checkpoint key %q: %w", latest, err)
	}
	next, _, err := auditlog.LoadOrCreateKeyFile(path, cmp.Or(newOrigin, origin), origin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lost:    %s (no file; it signed the log's checkpoints until now)\nnew:     %s (in %s)\n", latest, next.VerifierKey(), path)
	printRotationSteps(stdout)
	printOriginChange(stdout, origin, next.Origin())
	fmt.Fprintln(stdout, "The lost key may be in someone else's hands: the bound is what keeps it from vouching for a forgery.")
	return nil
}

func printRotationSteps(stdout io.Writer) {
	fmt.Fprintln(stdout, "restart the servers (stop all, start all); keep both verifier keys to verify older checkpoints.")
	fmt.Fprintln(stdout, "A server still running with the retired key signs no checkpoint once the new key is recorded.")
	fmt.Fprintln(stdout, "The first server to start records the rotation in the audit log: its audit.key_rotated entry's retired_key_bound")
	fmt.Fprintln(stdout, "is N, the size of the last checkpoint the retired key signed (that server logs it too, as max_size).")
	fmt.Fprintln(stdout, "Verify with --key new.txt --key retired.txt@N, so that the retired key vouches for nothing larger.")
}

// errNotVerified makes the command exit non-zero after it printed why.
var errNotVerified = errors.New("audit verify: the log did not verify")

// verifyOptions are the keys an audit verify trusts, all from outside what
// it checks.
type verifyOptions struct {
	keys      string   // the log's verifier keys, one per line, each plain or KEY@N
	witnesses []string // witness verifier keys
	quorum    int
	head      string             // the server's head file, or ""
	headNote  []byte             // its checkpoint, read and checked
	previous  *auditlog.Previous // an earlier export or checkpoint the log must extend, or nil
	// previousPath is the --previous file's name.
	previousPath string
}

func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn := dbFlags("audit verify", getenv, stderr)
	export := fs.String("export", "", "an NDJSON export to verify offline (no server, no database)")
	var keyFiles, witnesses []string
	fs.Var(stringList{&keyFiles}, "key", "a file holding the log's verifier key(s) (GET /api/v1/audit/key), repeatable: keys before and after a rotation; "+
		"FILE@N trusts its keys only for checkpoints of at most N entries (a retired key: N is the size of the last checkpoint it signed)")
	fs.Var(stringList{&witnesses}, "witness", "a witness's verifier key, repeatable: entries must be in checkpoints it cosigned")
	quorum := fs.Int("quorum", 0, "how many of the --witness keys must cosign (default: all of them)")
	previous := fs.String("previous", "", "an earlier export or saved checkpoint the export, or the database's log, must be consistent with")
	head := fs.String("head", "", "with --db: the server's head file (<checkpoint key file>.head, the last checkpoint it signed); the log must extend it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Every argument is checked before anything is verified: a mistake
	// must not show up after a "verified" line.
	if len(keyFiles) == 0 {
		return fmt.Errorf("audit verify needs --key: the log's verifier key, kept apart from what is verified (never the database's own); %w", errUsage)
	}
	if *export == "" && !flagGiven(fs, "db") && getenv("EXACCESS_DB") == "" {
		// The default database path of the other commands would only say
		// "no database at exaccess.db": what is verified must be named.
		return fmt.Errorf("audit verify checks an export or a database: give --export FILE (an export) or --db D (a database); %w", errUsage)
	}
	opt := verifyOptions{witnesses: witnesses, quorum: *quorum, head: *head}
	if opt.quorum == 0 {
		opt.quorum = len(witnesses)
	}
	if opt.quorum < 0 || opt.quorum > len(witnesses) {
		return fmt.Errorf("--quorum must be between 1 and the number of --witness keys; %w", errUsage)
	}
	if *export != "" {
		if flagGiven(fs, "db") {
			return fmt.Errorf("--export verifies a file offline and reads no database: give --export or --db, not both; %w", errUsage)
		}
		if len(witnesses) > 0 {
			return fmt.Errorf("--witness applies to --db, whose kept checkpoints hold the cosignatures; %w", errUsage)
		}
		if opt.head != "" {
			return fmt.Errorf("--head applies to --db: an export is checked against an earlier one with --previous; %w", errUsage)
		}
	}
	for _, w := range witnesses {
		if _, err := auditlog.NewWitnessVerifier(w); err != nil {
			return fmt.Errorf("--witness %q: %w; %w", w, err, errUsage)
		}
	}
	for _, arg := range keyFiles {
		keys, err := readKeyArg(arg)
		if err != nil {
			return notChecked(err)
		}
		opt.keys += keys
	}
	if opt.head != "" {
		head, err := readHead(opt.head, opt.keys)
		if err != nil {
			return err
		}
		opt.headNote = head
	}
	if *previous != "" {
		p, err := readPrevious(*previous, opt.keys)
		if err != nil {
			return err
		}
		opt.previous, opt.previousPath = p, *previous
	}
	if *export == "" {
		return verifyDatabase(ctx, *dsn, opt, stdout)
	}
	if getenv("EXACCESS_DB") != "" {
		fmt.Fprintln(stderr, "audit verify: --export reads no database; EXACCESS_DB is not used")
	}
	return verifyExportFile(*export, opt, stdout)
}

// notChecked makes err, a key or evidence file that cannot be used (missing,
// empty, the private key, a saved error page, not a checkpoint), a usage
// error: the log was not checked, and exit 1 would say it did not verify.
func notChecked(err error) error {
	if errors.Is(err, errUsage) {
		return fmt.Errorf("audit verify: %w", err)
	}
	return fmt.Errorf("audit verify: %w; the log was not checked; %w", err, errUsage)
}

// readHead reads the --head file and checks its signature. A file that is
// missing or no checkpoint at all is a usage error; one that is not signed
// by the keys given is not: an edited or forged head is what it shows.
func readHead(path, keys string) ([]byte, error) {
	head, err := os.ReadFile(path)
	if err != nil {
		return nil, notChecked(fmt.Errorf("--head: %w", err))
	}
	if _, err := auditlog.OpenCheckpoint(head, keys); errors.Is(err, auditlog.ErrNotCheckpoint) {
		return nil, notChecked(fmt.Errorf("--head %s: %w", path, err))
	} else if err != nil {
		return nil, fmt.Errorf("--head %s: %w", path, err)
	}
	return head, nil
}

// flagGiven reports whether the flag name was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// readPrevious reads and authenticates the --previous file.
func readPrevious(path, keys string) (*auditlog.Previous, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, notChecked(fmt.Errorf("--previous: %w", err))
	}
	defer f.Close()
	p, err := auditlog.ReadPrevious(f, keys)
	if errors.Is(err, auditlog.ErrNotCheckpoint) || errors.Is(err, auditlog.ErrNoSignedRange) {
		return nil, notChecked(fmt.Errorf("--previous %s: %w", path, err))
	}
	if err != nil {
		return nil, fmt.Errorf("--previous %s: %w", path, err)
	}
	return p, nil
}

// readKeyArg reads the verifier keys of one --key value: FILE, or FILE@N
// for keys trusted only for checkpoints of at most N entries (splitKeyArg).
func readKeyArg(arg string) (string, error) {
	path, max, err := splitKeyArg(arg)
	if err != nil {
		return "", err
	}
	return readBoundKeys(path, max)
}

// splitKeyArg splits one --key value into its file and bound (NoBound for
// none). A value that names an existing file is that file (keys@2024.txt);
// otherwise the text after the last '@' is the bound unless it holds a '/'
// (then the '@' is in a directory's name), and it must be a whole number.
func splitKeyArg(arg string) (path string, max int64, err error) {
	if _, err := os.Stat(arg); err == nil {
		return arg, auditlog.NoBound, nil // a file of that name: no bound
	}
	at := strings.LastIndexByte(arg, '@')
	if at < 0 || strings.ContainsRune(arg[at+1:], '/') {
		return arg, auditlog.NoBound, nil
	}
	n, ok := auditlog.ParseBound(arg[at+1:])
	if !ok || at == 0 {
		return "", 0, fmt.Errorf("--key %q: after '@' comes the largest checkpoint size the key is trusted for, a whole number (--key FILE@N); %w", arg, errUsage)
	}
	return arg[:at], n, nil
}

// readBoundKeys reads the verifier keys of the file at path, each trusted
// as far as max (auditlog.BoundKeys).
func readBoundKeys(path string, max int64) (string, error) {
	text, err := readKeyFile(path)
	if err != nil {
		return "", err
	}
	keys, err := auditlog.BoundKeys(text, max)
	if err != nil {
		return "", fmt.Errorf("--key %s: %w", path, err)
	}
	return keys, nil
}

func readKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the verifier key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func verifyExportFile(path string, opt verifyOptions, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := auditlog.VerifyExport(f, opt.keys)
	if err != nil {
		return err
	}
	ok := printReport(stdout, rep, rep.Summary())
	if opt.previous != nil && ok {
		ok = printEarlier(stdout, opt.previous)
		crep, err := opt.previous.Against(f, opt.keys)
		if err != nil {
			return fmt.Errorf("consistency with %s: %w", opt.previousPath, err)
		}
		summary := fmt.Sprintf("consistent: the log of %d entries signed earlier is a prefix of this one", crep.Count)
		ok = printReport(stdout, crep, summary) && ok
	}
	if !ok {
		return errNotVerified
	}
	return nil
}

// printEarlier prints the problems of the --previous file's own lines when
// it is an export that does not verify, each labelled as the earlier
// export's, and tells whether it verified.
func printEarlier(w io.Writer, p *auditlog.Previous) bool {
	own := p.Export()
	if own == nil || own.OK() {
		return true
	}
	fmt.Fprintf(w, "FAILED: the earlier export (--previous) does not verify: %d problem(s)\n", len(own.Problems))
	for _, p := range own.Problems {
		fmt.Fprintln(w, "  earlier export: "+p.String())
	}
	return false
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

// verifyDatabase checks a database's stored log against its checkpoints,
// with keys from outside it, and states what covers each range of entries.
// With a head file it also checks that the log extends the last checkpoint
// the server signed: the head is outside the database, so a rewrite that
// deleted every kept checkpoint, or a rollback, fails instead of leaving
// entries merely not covered.
// It opens the database without migrating it: a check must not write. A
// database of an earlier schema version is verified as it is, as far back
// as the audit tables it reads (storage.CheckAuditSchema): a backup taken
// before an upgrade must be checkable by the binary that will migrate it.
func verifyDatabase(ctx context.Context, dsn string, opt verifyOptions, stdout io.Writer) error {
	head := opt.headNote
	db, err := openPresent(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckAuditSchema(ctx); err != nil {
		return err
	}
	rep, crep, err := auditlog.VerifyStoredAgainst(ctx, db, opt.keys, head, opt.previous)
	if err != nil {
		return err
	}
	ok := printReport(stdout, rep, storedSummary(rep))
	if ok && head != nil {
		fmt.Fprintf(stdout, "head file: the log extends the last checkpoint the server signed, of size %d\n", rep.HeadSize)
	}
	if crep != nil {
		ok = printEarlier(stdout, opt.previous) && ok
		summary := fmt.Sprintf("consistent: the log of %d entries signed earlier (--previous) is a prefix of the database's", crep.Count)
		ok = printReport(stdout, crep, summary) && ok
	}
	cov, err := auditlog.MeasureCoverage(ctx, db, rep.Count, opt.keys, opt.witnesses, opt.quorum)
	if err != nil {
		return err
	}
	for _, line := range cov.Lines() {
		fmt.Fprintln(stdout, line)
	}
	if !cov.QuorumMet() {
		fmt.Fprintf(stdout, "FAILED: entries %d..%d are not in a checkpoint cosigned by %d of the %d witnesses given\n",
			cov.Cosigned, cov.Size-1, opt.quorum, len(opt.witnesses))
		ok = false
	}
	if !ok {
		return errNotVerified
	}
	return nil
}

func storedSummary(rep *auditlog.Report) string {
	if rep.Count == 0 {
		return fmt.Sprintf("verified: the log is empty, as %d kept checkpoint(s) say", rep.Checkpoints)
	}
	return fmt.Sprintf("verified: entries 0..%d match their stored hashes and %d kept checkpoint(s) signed by the key given",
		rep.Count-1, rep.Checkpoints)
}
