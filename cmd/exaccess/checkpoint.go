package main

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"exaccess/auditlog"
	"exaccess/storage"
)

// checkpointConfig is where the checkpoint signing key lives, the log's
// origin line, when checkpoints are signed, and who witnesses them.
type checkpointConfig struct {
	KeyFile   string // empty: next to the SQLite file, or exaccess-checkpoint.key for PostgreSQL
	Origin    string // empty: the key's own name, or <hostname>/exaccess/audit for a new key
	Every     int64
	Interval  time.Duration
	Witnesses []string // URL=vkey
	envErrs   []string
}

func defaultCheckpoint() checkpointConfig {
	return checkpointConfig{Every: 256, Interval: time.Minute}
}

// stringList is a repeatable flag.
type stringList struct{ p *[]string }

func (l stringList) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, " ")
}
func (l stringList) Set(v string) error { *l.p = append(*l.p, v); return nil }

// checkpointFlags binds the flags, each defaulting to its environment
// variable (EXACCESS_WITNESSES holds several URL=vkey separated by spaces).
func checkpointFlags(fs *flag.FlagSet, c *checkpointConfig, getenv func(string) string) {
	fs.StringVar(&c.KeyFile, "checkpoint-key", envOr(getenv, "EXACCESS_CHECKPOINT_KEY", c.KeyFile),
		"checkpoint signing key file, outside the database, mode 0600; created if missing; default <db>.checkpoint-key, or exaccess-checkpoint.key for PostgreSQL (EXACCESS_CHECKPOINT_KEY)")
	fs.StringVar(&c.Origin, "log-origin", envOr(getenv, "EXACCESS_LOG_ORIGIN", c.Origin),
		"the audit log's origin line, also the checkpoint key's name; default for a new key <hostname>/exaccess/audit (EXACCESS_LOG_ORIGIN)")
	if v := getenv("EXACCESS_CHECKPOINT_EVERY"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			c.envErrs = append(c.envErrs, "EXACCESS_CHECKPOINT_EVERY must be a number of entries")
		}
		c.Every = n
	}
	fs.Int64Var(&c.Every, "checkpoint-every", c.Every, "sign a checkpoint after this many new entries (EXACCESS_CHECKPOINT_EVERY)")
	if v := getenv("EXACCESS_CHECKPOINT_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			c.envErrs = append(c.envErrs, "EXACCESS_CHECKPOINT_INTERVAL must be a duration like 1m")
		}
		c.Interval = d
	}
	fs.DurationVar(&c.Interval, "checkpoint-interval", c.Interval, "sign a checkpoint of new entries at least this often (EXACCESS_CHECKPOINT_INTERVAL)")
	c.Witnesses = append(c.Witnesses, strings.Fields(getenv("EXACCESS_WITNESSES"))...)
	fs.Var(stringList{&c.Witnesses}, "witness", "a witness as URL=verifier-key, repeatable; several space-separated in (EXACCESS_WITNESSES)")
}

func (c checkpointConfig) validate() []string {
	errs := append([]string(nil), c.envErrs...)
	if c.Every < 1 {
		errs = append(errs, "--checkpoint-every must be at least 1")
	}
	if c.Interval < time.Second || c.Interval > 24*time.Hour {
		errs = append(errs, "--checkpoint-interval must be between 1s and 24h")
	}
	if c.Origin != "" && !auditlog.ValidOrigin(c.Origin) {
		errs = append(errs, "--log-origin must not be empty nor hold spaces or '+'")
	}
	for _, w := range c.Witnesses {
		if _, err := auditlog.ParseWitness(w); err != nil {
			errs = append(errs, err.Error())
		}
	}
	return errs
}

// keyPath is the key file: as configured, else beside the SQLite file,
// else exaccess-checkpoint.key in the working directory (PostgreSQL).
func (c checkpointConfig) keyPath(dsn string) string {
	switch {
	case c.KeyFile != "":
		return c.KeyFile
	case storage.IsPostgresDSN(dsn):
		// A PostgreSQL DSN names no file, and a path made from it would
		// put a key=value DSN's password into the key and head files'
		// names and into the log lines that name them.
		return postgresKeyFile
	}
	return dsn + ".checkpoint-key"
}

// postgresKeyFile is the checkpoint key file of a PostgreSQL database when
// --checkpoint-key is not given: in the working directory.
const postgresKeyFile = "exaccess-checkpoint.key"

// defaultOrigin names a new log after the machine it starts on.
func defaultOrigin() string {
	host, err := os.Hostname()
	if err != nil || !auditlog.ValidOrigin(host) {
		host = "localhost"
	}
	return host + "/exaccess/audit"
}

// witnessesOf parses the configured witnesses (validate checked them).
func (c checkpointConfig) witnessesOf() ([]*auditlog.Witness, error) {
	var out []*auditlog.Witness
	for _, spec := range c.Witnesses {
		w, err := auditlog.ParseWitness(spec)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// retiredPath is where a key taken out of service is kept: beside the key
// file, named by the time it was retired.
func retiredPath(keyFile string, at time.Time) string {
	return filepath.Join(filepath.Dir(keyFile), filepath.Base(keyFile)+".retired-"+at.UTC().Format("20060102T150405Z"))
}
