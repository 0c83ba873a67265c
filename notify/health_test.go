package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"exaccess/notify"
)

// fakeServer is a mail server whose reachability the test sets.
type fakeServer struct{ down error }

func (f *fakeServer) Check(context.Context) error { return f.down }
func (f *fakeServer) String() string              { return "smtp tls=none mail.test:25" }

// TestMailHealth: the state starts unchecked, follows each check, keeps its
// Since while it stays, and logs each change once: unreachable at start,
// recovered, gone away again.
func TestMailHealth(t *testing.T) {
	srv := &fakeServer{down: errors.New("dial tcp mail.test:25: connection refused")}
	var logs bytes.Buffer
	h := notify.NewMailHealth(srv, time.Minute, slog.New(slog.NewTextHandler(&logs, nil)))
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h.Now = func() time.Time { return now }
	if s := h.State(); s.Status != notify.MailUnchecked || !s.CheckedAt.IsZero() {
		t.Fatalf("before any check: %+v", s)
	}
	if testutil.CollectAndCount(h.Collector()) != 0 {
		t.Error("exaccess_mail_server_up is reported before any check")
	}
	steps := []struct {
		down      bool
		status    string
		sinceStep int
		up        string
		log       string
	}{
		{true, notify.MailUnreachable, 0, "0", "mail server unreachable at start"},
		{true, notify.MailUnreachable, 0, "0", ""},
		{false, notify.MailOK, 2, "1", "mail server reachable"},
		{false, notify.MailOK, 2, "1", ""},
		{true, notify.MailUnreachable, 4, "0", "mail server unreachable; notifications stay queued"},
	}
	start := now
	for i, st := range steps {
		now = start.Add(time.Duration(i) * time.Minute)
		srv.down = nil
		if st.down {
			srv.down = errors.New("dial tcp mail.test:25: connection refused")
		}
		logs.Reset()
		s := h.CheckOnce(t.Context())
		if s != h.State() || s.Status != st.status || !s.CheckedAt.Equal(now) ||
			!s.Since.Equal(start.Add(time.Duration(st.sinceStep)*time.Minute)) {
			t.Errorf("step %d: state %+v", i, s)
		}
		if st.down != (s.Error != "") {
			t.Errorf("step %d: error %q", i, s.Error)
		}
		if got := logs.String(); (st.log == "") != (got == "") || !strings.Contains(got, st.log) {
			t.Errorf("step %d: log %q, want %q", i, got, st.log)
		}
		want := "# HELP exaccess_mail_server_up 1 when the last periodic check reached the mail server (TLS and login included), 0 when it failed.\n" +
			"# TYPE exaccess_mail_server_up gauge\nexaccess_mail_server_up " + st.up + "\n"
		if err := testutil.CollectAndCompare(h.Collector(), strings.NewReader(want)); err != nil {
			t.Errorf("step %d: %v", i, err)
		}
	}
}
