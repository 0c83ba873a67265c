package main

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"
)

// mailbox is an in-process SMTP server that keeps every message it gets.
type mailbox struct {
	mu   sync.Mutex
	mail []receivedMail
	// holdAt, when set, makes the server keep the holdAt-th message it
	// received unanswered (no "250" to the client) until release closes;
	// held closes when that message arrived.
	holdAt        int
	held, release chan struct{}
}

type receivedMail struct {
	From string
	To   []string
	Data string
}

type mailSession struct {
	box *mailbox
	cur receivedMail
}

func (s *mailSession) Reset()                                      { s.cur = receivedMail{} }
func (s *mailSession) Logout() error                               { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error { s.cur.From = from; return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = string(b)
	s.box.mu.Lock()
	s.box.mail = append(s.box.mail, s.cur)
	hold := s.box.holdAt > 0 && len(s.box.mail) == s.box.holdAt
	s.box.mu.Unlock()
	if hold {
		close(s.box.held)
		<-s.box.release // the message is taken, but its sender hears nothing yet
	}
	return nil
}

// startMailbox listens on a free loopback port and returns the server's
// address and its mailbox.
func startMailbox(t *testing.T) (string, *mailbox) {
	t.Helper()
	return serveMailbox(t, &mailbox{})
}

func serveMailbox(t *testing.T, box *mailbox) (string, *mailbox) {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &mailSession{box: box}, nil
	}))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), box
}

// waitFor polls the mailbox until it holds n messages to rcpt.
func (b *mailbox) waitFor(t *testing.T, rcpt string, n int) []receivedMail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var got []receivedMail
		b.mu.Lock()
		for _, m := range b.mail {
			if len(m.To) == 1 && m.To[0] == rcpt {
				got = append(got, m)
			}
		}
		b.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%s got %d mails, want %d", rcpt, len(got), n)
			}
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var demoApprover = map[string]string{"hns_officer": "hns", "range_officer": "range",
	"operations_approver": "ops", "ministry": "gov"}

// decideActive decides the request's first active stage as the demo user of
// its role and returns that role.
func decideActive(t *testing.T, base, id, outcome, comment string) string {
	t.Helper()
	r := call(t, "GET", base+"/api/v1/requests/"+id, signIn(t, base, "lo-no"), "")
	for _, s := range r["route"].(map[string]any)["stages"].([]any) {
		st := s.(map[string]any)
		if st["status"] != "active" {
			continue
		}
		role := st["role"].(string)
		body := fmt.Sprintf(`{"stage":%q,"outcome":%q,"comment":%q}`, st["id"], outcome, comment)
		call(t, "POST", base+"/api/v1/requests/"+id+"/decisions", signIn(t, base, demoApprover[role]), body,
			"If-Match", fmt.Sprintf(`"%v"`, r["version"]))
		return role
	}
	t.Fatalf("request %s has no active stage: %v", id, r["status"])
	return ""
}

// TestNotificationJourneyByEmail drives submit → changes requested →
// resubmit → approve through a real server whose outbox worker sends to an
// in-process SMTP server, and reads the mails the Norwegian liaison officer
// and the approvers got.
func TestNotificationJourneyByEmail(t *testing.T) {
	addr, box := startMailbox(t)
	base, stop := startServer(t, []string{"--demo", "--db", filepath.Join(t.TempDir(), "n.db"),
		"--smtp-url", "smtp://" + addr + "?tls=none", "--mail-from", "permits@exaccess.example",
		"--notify-interval", "50ms"}, nil)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	lo := signIn(t, base, "lo-no")
	id := call(t, "POST", base+"/api/v1/requests", lo, requestBody("Cold Response", 10, ""))["id"].(string)
	ref := call(t, "POST", base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", `"1"`)["reference"].(string)
	loMail := "lo-no@demo.exaccess.example"
	box.waitFor(t, loMail, 1)
	first := decideActive(t, base, id, "request_changes", "Add the convoy route via E14.")
	box.waitFor(t, loMail, 2)
	r := call(t, "GET", base+"/api/v1/requests/"+id, lo, "")
	call(t, "POST", base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", fmt.Sprintf(`"%v"`, r["version"]))
	box.waitFor(t, loMail, 3)
	for i := 0; i < 6; i++ {
		if r = call(t, "GET", base+"/api/v1/requests/"+id, lo, ""); r["status"] != "in_review" {
			break
		}
		decideActive(t, base, id, "approve", "")
	}
	if r["status"] != "approved" {
		t.Fatalf("request ended %v, want approved", r["status"])
	}
	mails := box.waitFor(t, loMail, 4)
	wants := []string{"received", "Changes requested", "received", "approved"}
	for i, m := range mails {
		if m.From != "permits@exaccess.example" || !strings.Contains(m.Data, ref) || !strings.Contains(m.Data, wants[i]) {
			t.Errorf("mail %d to the liaison officer lacks %q or %s:\n%s", i, wants[i], ref, m.Data)
		}
		if !strings.Contains(m.Data, "X-Exaccess-Idempotency-Key:") || !strings.Contains(m.Data, "text/html") {
			t.Errorf("mail %d lacks the idempotency key or the HTML part:\n%s", i, m.Data)
		}
		// The mail is named by its outbox row's id, a UUIDv7, and not by
		// anything holding an audit entry's index (docs/security.md).
		pm := parseMail(t, m)
		if u, err := uuid.Parse(pm.key); err != nil || u.Version() != 7 || pm.messageID != "<"+pm.key+"@exaccess>" {
			t.Errorf("mail %d: X-Exaccess-Idempotency-Key %q, Message-ID %q; want a notification's UUIDv7 in both (%v)", i, pm.key, pm.messageID, err)
		}
	}
	if !strings.Contains(mails[1].Data, "convoy route via E14") {
		t.Errorf("the changes-requested mail lacks the comment:\n%s", mails[1].Data)
	}
	// Without --public-url the mails give the console's paths.
	approved := parseMail(t, mails[3]).body
	if !strings.Contains(approved, "Permit page: /requests/"+id+"/permit\n") {
		t.Errorf("the approval lacks the permit page's path:\n%s", approved)
	}
	// A revocation tells the liaison officer its reason.
	call(t, "POST", base+"/api/v1/requests/"+id+"/revoke", signIn(t, base, "ops"), `{"reason":"Range closed by fire risk."}`,
		"If-Match", fmt.Sprintf(`"%v"`, r["version"]))
	revoked := parseMail(t, box.waitFor(t, loMail, 5)[4])
	if revoked.subject != "Permit "+ref+" revoked" || !strings.Contains(revoked.body, "Reason:\n  Range closed by fire risk.\n") {
		t.Errorf("the revocation mail: %s\n%s", revoked.subject, revoked.body)
	}
	// The first stage's approver was told twice (first submission and
	// resubmission); nobody of another nation was told anything.
	box.waitFor(t, demoApprover[first]+"@demo.exaccess.example", 2)
	box.waitFor(t, "lo-de@demo.exaccess.example", 0)
}

// TestBadSMTPURLStopsTheStart: an unparsable --smtp-url or sender is a
// configuration error at start, naming the flag and never the password.
func TestBadSMTPURLStopsTheStart(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-url", "http://mail.example:25"}, "--smtp-url: smtp url: scheme must be smtp or smtps"},
		{[]string{"--smtp-url", "smtp://u:s3cret@mail.example:99999"}, "--smtp-url: smtp url: port"},
		{[]string{"--smtp-url", "smtp://mail.example?tls=maybe"}, "tls must be required, opportunistic or none"},
		{[]string{"--smtp-url", "smtp://mail.example", "--mail-from", "not an address"}, "--mail-from"},
	} {
		cfg := defaultConfig()
		if err := serveFlags(&cfg, env(nil), io.Discard).Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := cfg.validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%v: error %v, want one naming %q without the password", c.args, err, c.want)
		}
	}
}

// TestSMTPCheck: the start-up check reaches a listening mail server and
// reports one that is not there.
func TestSMTPCheck(t *testing.T) {
	addr, _ := startMailbox(t)
	cfg := notifyConfig{SMTPURL: "smtp://" + addr + "?tls=none", MailFrom: "a@example.org"}
	s, err := cfg.sender()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("check of a listening server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	cfg.SMTPURL = "smtp://" + closed + "?tls=none"
	if s, err = cfg.sender(); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err == nil {
		t.Fatal("check of a closed port succeeded")
	}
	// STARTTLS required, but the test server offers none.
	cfg.SMTPURL = "smtp://" + addr + "?tls=required"
	if s, err = cfg.sender(); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err == nil {
		t.Fatal("tls=required accepted a server without STARTTLS")
	}
}

// TestReadyzReportsTheMailServer: with --smtp-url, /readyz names the mail
// server's state from the periodic check: ok when it answers; unreachable
// with status degraded, still 200, when it does not (mail waits in the
// outbox); the public answer never names the server's host or port.
func TestReadyzReportsTheMailServer(t *testing.T) {
	up, _ := startMailbox(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	for _, c := range []struct {
		addr, mail, status string
	}{{up, "ok", "ready"}, {down, "unreachable", "degraded"}} {
		base, stop := startServer(t, []string{"--db", filepath.Join(t.TempDir(), "r.db"), "--metrics-addr", "off",
			"--smtp-url", "smtp://" + c.addr + "?tls=none"}, nil)
		var body map[string]any
		deadline := time.Now().Add(20 * time.Second)
		for {
			st, b, _ := send("GET", base+"/readyz", "", "")
			if st != 200 {
				t.Fatalf("readyz with the mail server %s: %d %v", c.mail, st, b)
			}
			body = b
			mail, _ := b["components"].(map[string]any)["mail"].(map[string]any)
			if mail["status"] != "unchecked" || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		mail, _ := body["components"].(map[string]any)["mail"].(map[string]any)
		if body["status"] != c.status || mail["status"] != c.mail || mail["checked_at"] == nil {
			t.Errorf("readyz with the mail server %s: %v", c.mail, body)
		}
		_, port, _ := net.SplitHostPort(c.addr)
		if raw := fmt.Sprint(body); strings.Contains(raw, port) || strings.Contains(raw, "127.0.0.1") {
			t.Errorf("readyz names the mail server: %v", body)
		}
		if err := stop(); err != nil {
			t.Error(err)
		}
	}
}

// TestNotifyFlagsValidated: --public-url must be an absolute http(s) URL
// without credentials, query or fragment; the lease and check interval are
// bounded; a bad environment value fails the start.
func TestNotifyFlagsValidated(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--public-url", "access.example.se"}, nil, "--public-url \"access.example.se\" must be an absolute http(s) URL"},
		{[]string{"--public-url", "ftp://access.example.se"}, nil, "absolute http(s) URL"},
		{[]string{"--public-url", "https://u:pw@access.example.se"}, nil, "must not carry a user"},
		{[]string{"--public-url", "https://access.example.se/?x=1"}, nil, "must not have a query"},
		{nil, map[string]string{"EXACCESS_PUBLIC_URL": "/relative"}, "--public-url \"/relative\""},
		{[]string{"--notify-lease", "10ms"}, nil, "--notify-lease must be between 1s and 24h"},
		{nil, map[string]string{"EXACCESS_NOTIFY_LEASE": "soon"}, "EXACCESS_NOTIFY_LEASE must be a duration"},
		{[]string{"--smtp-check-interval", "0s"}, nil, "--smtp-check-interval must be between 1s and 1h"},
	} {
		cfg := defaultConfig()
		if err := serveFlags(&cfg, env(c.env), io.Discard).Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := cfg.validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "pw@") {
			t.Errorf("%v %v: error %v, want one naming %q", c.args, c.env, err, c.want)
		}
	}
	cfg := defaultConfig()
	if err := serveFlags(&cfg, env(map[string]string{"EXACCESS_PUBLIC_URL": "https://access.example.se/exaccess/",
		"EXACCESS_NOTIFY_LEASE": "90s"}), io.Discard).Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil || cfg.Notify.Lease != 90*time.Second || cfg.Notify.PublicURL != "https://access.example.se/exaccess/" {
		t.Errorf("valid settings: %v, %+v", err, cfg.Notify)
	}
}
