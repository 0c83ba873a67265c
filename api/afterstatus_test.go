package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/testlog"
	"exaccess/storage/storagetest"

	"github.com/labstack/echo/v4"
)

// TestAuditExportClientGoneIsInfo: an auditor's client takes the export's
// status line and goes away in the middle of the stream. The export, cut
// short, is logged at INFO (nothing is wrong with the server), not ERROR.
// The client closes a real connection of a real HTTP server; the export
// goes on, on the real log, once the server has noticed.
func TestAuditExportClientGoneIsInfo(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := withAuditLog(t, newEnv(t, c.DSN))
			var logs testlog.Buffer
			started := make(chan struct{})
			d := e.srv.Deps
			d.Log = slog.New(slog.NewTextHandler(&logs, nil))
			d.Audit = waitingExports{AuditLog: d.Audit, started: started}
			e.srv = New(d)
			handled := make(chan struct{})
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(handled)
				e.srv.Handler().ServeHTTP(w, r)
			}))
			defer ts.Close()

			req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/audit/export", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+e.tokens["auditor"])
			res, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			<-started
			res.Body.Close() // unread: the connection is closed, not kept
			<-handled

			l := logs.String()
			if strings.Contains(l, "level=ERROR") || !strings.Contains(l, `level=INFO msg="audit export cut short"`) ||
				!strings.Contains(l, "context canceled") || !strings.Contains(l, res.Header.Get("X-Request-Id")) {
				t.Errorf("log:\n%s", l)
			}
		})
	}
}

// waitingExports sends each export's status line to the client, then
// waits until the client has gone away (the request's context ends) before
// the real export runs.
type waitingExports struct {
	domain.AuditLog
	started chan struct{}
}

func (w waitingExports) StartExport(ctx context.Context, p domain.Principal, req domain.AuditExportRequest) (domain.AuditExport, error) {
	x, err := w.AuditLog.StartExport(ctx, p, req)
	return waitingExport{x, w.started}, err
}

type waitingExport struct {
	domain.AuditExport
	started chan struct{}
}

func (x waitingExport) Write(ctx context.Context, w io.Writer) error {
	if _, err := w.Write(nil); err != nil { // the stream writer flushes: the client has the status line
		return err
	}
	close(x.started)
	<-ctx.Done()
	return x.AuditExport.Write(ctx, w)
}

// TestAuditExportDamageAfterStatusIsError: an export that meets a damaged
// hash after its status line (the check before it passed) cannot answer
// audit_damaged any more; it is logged at ERROR with its cause and the
// hash, not dropped and not taken for a client that went away.
func TestAuditExportDamageAfterStatusIsError(t *testing.T) {
	e := withAuditLog(t, newEnv(t, storagetest.Databases(t)[0].DSN))
	var logs bytes.Buffer
	d := e.srv.Deps
	d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	d.Audit = damagedExports{d.Audit}
	e.srv = New(d)
	r := e.do("auditor", http.MethodGet, "/api/v1/audit/export", nil)
	want(t, r, http.StatusOK)
	l := logs.String()
	if !strings.Contains(l, `level=ERROR msg="audit export cut short"`) || !strings.Contains(l, "audit hash 12 is missing") ||
		!strings.Contains(l, "hash_index=12") || !strings.Contains(l, "entry=6") || !strings.Contains(l, r.Header.Get("X-Request-Id")) {
		t.Errorf("log:\n%s", l)
	}
}

// damagedExports is an audit log whose exports meet a missing hash half-way.
type damagedExports struct{ domain.AuditLog }

func (f damagedExports) StartExport(ctx context.Context, p domain.Principal, req domain.AuditExportRequest) (domain.AuditExport, error) {
	x, err := f.AuditLog.StartExport(ctx, p, req)
	return damagedExport{x}, err
}

type damagedExport struct{ domain.AuditExport }

func (damagedExport) Write(_ context.Context, w io.Writer) error {
	_, _ = w.Write([]byte("{}\n"))
	return fmt.Errorf("storage: %w", &domain.AuditHashDamage{Index: 12, Level: 0, Entry: 6, What: "is missing"})
}

// TestErrorAfterStatusIsLogged: a handler that returns an error after it
// sent its status line gets no problem+json (none can follow), but the
// error is not dropped: the error handler logs it with its cause, at
// ERROR, or at INFO when the client went away.
func TestErrorAfterStatusIsLogged(t *testing.T) {
	e := newEnv(t, storagetest.Databases(t)[0].DSN)
	var logs bytes.Buffer
	d := e.srv.Deps
	d.Log = slog.New(slog.NewTextHandler(&logs, nil))
	e.srv = New(d)
	for _, c := range []struct {
		err   error
		level string
	}{
		{errors.New("storage: audit log: the database went away"), "ERROR"},
		{fmt.Errorf("storage: audit log: %w", context.Canceled), "INFO"},
	} {
		logs.Reset()
		path := "/api/v1/test/after-status/" + c.level
		e.srv.echo.GET(path, func(ec echo.Context) error {
			ec.Response().WriteHeader(http.StatusOK)
			_, _ = ec.Response().Write([]byte("part"))
			return c.err
		})
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || rec.Body.String() != "part" {
			t.Errorf("%v: answer %d %q", c.err, rec.Code, rec.Body)
		}
		l := logs.String()
		if !strings.Contains(l, "level="+c.level+` msg="error after the response began"`) || !strings.Contains(l, c.err.Error()) ||
			!strings.Contains(l, "route="+path) || !strings.Contains(l, rec.Header().Get("X-Request-Id")) {
			t.Errorf("%v: log:\n%s", c.err, l)
		}
		if c.level == "INFO" && strings.Contains(l, "level=ERROR") {
			t.Errorf("%v: logged at ERROR:\n%s", c.err, l)
		}
	}
}
