package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"exaccess/storage"
)

// exaccess version names the module version, the commit and whether its
// tree was modified, and the newest schema migration the binary knows;
// serve's start log line carries the same.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("schema version:  %d (the newest migration this binary knows", storage.LatestVersion())
	if !strings.HasPrefix(out.String(), "exaccess ") || !strings.Contains(out.String(), schema) ||
		!strings.Contains(out.String(), "revision:        ") {
		t.Errorf("exaccess version:\n%s", out.String())
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "exaccess", Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "2404bba7ba839556e653a4b325cc4200b1720247"}, {Key: "vcs.time", Value: "2026-12-01T12:47:26Z"},
		{Key: "vcs.modified", Value: "true"}}}
	out.Reset()
	printVersion(&out, buildVersionOf(bi))
	want := "exaccess v1.4.0\n" +
		"revision:        2404bba7ba839556e653a4b325cc4200b1720247, with uncommitted changes (vcs.modified)\n" +
		"committed:       2026-12-01T12:47:26Z\n" +
		schema + "; serve and migrate bring a database up to it)\n" +
		"built with:      go1.26.8\n"
	if out.String() != want {
		t.Errorf("version of a modified tree:\n%s\nwant:\n%s", out.String(), want)
	}
	if v := buildVersionOf(bi); v.revision() != "2404bba7ba839556e653a4b325cc4200b1720247 (modified)" {
		t.Errorf("the start log's revision: %q", v.revision())
	}
	out.Reset()
	printVersion(&out, buildVersionOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}))
	if !strings.Contains(out.String(), "exaccess (devel)\nrevision:        unknown (built without version control information)\n") {
		t.Errorf("version without VCS information:\n%s", out.String())
	}
}

// The start log line names the version, the revision and the schema
// version the binary knows.
func TestStartLogNamesVersion(t *testing.T) {
	logs, err := serveLogged(t, "--db", filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	v := readBuildVersion()
	want := fmt.Sprintf(`"msg":"starting","version":%q,"revision":%q,"schema_version":%d,`, v.Module, v.revision(), storage.LatestVersion())
	if !strings.Contains(logs, want) {
		t.Errorf("the start log does not contain %s:\n%s", want, logs)
	}
}
