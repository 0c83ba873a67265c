package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"exaccess/storage"
)

// buildVersion is what an operator needs to know which release notes and
// upgrade steps apply: the module version, the commit the binary was built
// from and whether its tree had uncommitted changes, and the newest schema
// migration it knows (serve and migrate bring a database up to it).
type buildVersion struct {
	Module   string // "(devel)" for a build from a source tree
	Revision string // "" when built without version control information
	Time     string // the commit's time
	Modified bool
	Go       string
	Schema   int
}

// readBuildVersion reads the binary's own build information.
func readBuildVersion() buildVersion {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return buildVersionOf(bi)
}

// buildVersionOf is the version bi states; bi is nil for a binary without
// build information.
func buildVersionOf(bi *debug.BuildInfo) buildVersion {
	v := buildVersion{Module: "unknown", Schema: storage.LatestVersion()}
	if bi == nil {
		return v
	}
	v.Module, v.Go = bi.Main.Version, bi.GoVersion
	if v.Module == "" {
		v.Module = "unknown"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// revision is the revision as the start log and the version command give it.
func (v buildVersion) revision() string {
	switch {
	case v.Revision == "":
		return "unknown"
	case v.Modified:
		return v.Revision + " (modified)"
	}
	return v.Revision
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: exaccess version\nprints the binary's version, the commit it was built from and the newest schema migration it knows")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	printVersion(stdout, readBuildVersion())
	return nil
}

func printVersion(stdout io.Writer, v buildVersion) {
	fmt.Fprintf(stdout, "exaccess %s\n", v.Module)
	switch {
	case v.Revision == "":
		fmt.Fprintln(stdout, "revision:        unknown (built without version control information)")
	case v.Modified:
		fmt.Fprintf(stdout, "revision:        %s, with uncommitted changes (vcs.modified)\n", v.Revision)
	default:
		fmt.Fprintf(stdout, "revision:        %s\n", v.Revision)
	}
	if v.Time != "" {
		fmt.Fprintf(stdout, "committed:       %s\n", v.Time)
	}
	fmt.Fprintf(stdout, "schema version:  %d (the newest migration this binary knows; serve and migrate bring a database up to it)\n", v.Schema)
	if v.Go != "" {
		fmt.Fprintf(stdout, "built with:      %s\n", v.Go)
	}
}
