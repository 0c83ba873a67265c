package main

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestKilledDuringDelivery kills the real server with SIGKILL while a mail
// is in flight: the mail server has taken the message but not yet answered.
// Restarted on the same database with a short --notify-lease, the server
// must deliver every e-mail notification at least once, and the one sent
// twice must carry the same idempotency key header and Message-ID both
// times, so that a receiver can drop the repeat. On SQLite and PostgreSQL.
func TestKilledDuringDelivery(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) { killDuringDelivery(t, bin, c.DSN) })
	}
}

func killDuringDelivery(t *testing.T, bin, dsn string) {
	box := &mailbox{holdAt: 3, held: make(chan struct{}), release: make(chan struct{})}
	addr, _ := serveMailbox(t, box)
	var once sync.Once
	releaseHeld := func() { once.Do(func() { close(box.release) }) }
	t.Cleanup(releaseHeld) // before the mail server closes (cleanups run last first)
	mailArgs := []string{"--smtp-url", "smtp://" + addr + "?tls=none", "--mail-from", "permits@exaccess.example",
		"--notify-interval", "50ms", "--notify-lease", "2s", "--public-url", "https://access.example.se"}

	p := startProcess(t, bin, dsn, true, mailArgs...)
	lo := signIn(t, p.base, "lo-no")
	var ids []string
	for i := range 4 {
		id := call(t, "POST", p.base+"/api/v1/requests", lo, requestBody(fmt.Sprintf("Kill %d", i), 10, ""))["id"].(string)
		call(t, "POST", p.base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", `"1"`)
		ids = append(ids, id)
	}
	select {
	case <-box.held:
	case <-time.After(30 * time.Second):
		t.Fatal("the third mail never reached the mail server")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	releaseHeld() // the dead sender never hears the 250 of the held mail

	want := emailKeys(t, dsn, ids)
	if len(want) < 8 {
		t.Fatalf("only %d e-mail notifications for 4 submissions: %v", len(want), want)
	}
	p = startProcess(t, bin, dsn, false, mailArgs...)
	defer func() { p.cmd.Process.Signal(syscall.SIGTERM); p.cmd.Wait() }()

	// The other mails may all have left before the kill (a batch is sent
	// several at once), so wait for the held one's repeat too: its lease
	// must run out first.
	box.mu.Lock()
	heldKey := parseMail(t, box.mail[box.holdAt-1]).key
	box.mu.Unlock()
	got := waitForKeys(t, box, want)
	for deadline := time.Now().Add(25 * time.Second); len(got[heldKey]) < 2 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		got = waitForKeys(t, box, want)
	}
	sentTwice := 0
	for key, ms := range got {
		if len(ms) > 1 {
			sentTwice++
		}
		for _, m := range ms[1:] {
			if m.messageID != ms[0].messageID || m.to != ms[0].to || m.subject != ms[0].subject || m.body != ms[0].body {
				t.Errorf("key %s: a repeat differs from the first delivery:\n%+v\n%+v", key, ms[0], m)
			}
		}
		if ms[0].messageID == "" {
			t.Errorf("key %s: a mail without a Message-ID", key)
		}
		if !strings.Contains(ms[0].body, "https://access.example.se/requests/") {
			t.Errorf("key %s: the mail does not link to the console:\n%s", key, ms[0].body)
		}
	}
	// The held mail was taken before the kill and must be sent again after
	// the lease: it was in flight when the sender died.
	if len(got[heldKey]) < 2 {
		t.Errorf("the mail in flight at the kill (%s) arrived %d time(s), want it again after the lease", heldKey, len(got[heldKey]))
	}
	t.Logf("%d e-mail notifications, each received; %d of them twice", len(want), sentTwice)
	// Mails that are different notifications never share a key: the
	// receiver's de-duplication drops repeats only.
	seen := map[string]string{}
	for key, ms := range got {
		id := ms[0].to + "|" + ms[0].subject
		if other, dup := seen[id]; dup {
			t.Errorf("one mail (%s) under two keys: %s and %s", id, other, key)
		}
		seen[id] = key
	}
}

// emailKeys are what the mails of the e-mail notifications of the requests
// are keyed by (X-Exaccess-Idempotency-Key: each row's id, not its
// idempotency key, which holds an audit index), with their addresses.
func emailKeys(t *testing.T, dsn string, ids []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	for _, id := range ids {
		ns, err := db.Notifications(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Channel == domain.ChannelEmail && n.Address != "" {
				out[n.ID] = n.Address
			}
		}
	}
	return out
}

type parsedMail struct {
	to, key, messageID, subject, body string
}

// waitForKeys waits until the mailbox holds a mail for every key in want,
// each to its address, and returns the mails by key.
func waitForKeys(t *testing.T, box *mailbox, want map[string]string) map[string][]parsedMail {
	t.Helper()
	deadline := time.Now().Add(25 * time.Second)
	for {
		got := map[string][]parsedMail{}
		box.mu.Lock()
		mails := append([]receivedMail(nil), box.mail...)
		box.mu.Unlock()
		for _, m := range mails {
			pm := parseMail(t, m)
			got[pm.key] = append(got[pm.key], pm)
		}
		missing := 0
		for key, addr := range want {
			if len(got[key]) == 0 {
				missing++
			} else if got[key][0].to != addr {
				t.Fatalf("key %s went to %s, want %s", key, got[key][0].to, addr)
			}
		}
		if missing == 0 {
			if len(got) != len(want) {
				t.Fatalf("the mail server got %d distinct keys, the outbox holds %d", len(got), len(want))
			}
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d e-mail notifications never arrived after the restart", missing, len(want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func parseMail(t *testing.T, m receivedMail) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatalf("unreadable mail: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 {
		t.Fatalf("a mail to %v", m.To)
	}
	key := msg.Header.Get("X-Exaccess-Idempotency-Key")
	if key == "" {
		t.Fatalf("a mail without X-Exaccess-Idempotency-Key:\n%s", m.Data)
	}
	return parsedMail{to: m.To[0], key: key, messageID: msg.Header.Get("Message-Id"), subject: subject, body: plainText(t, msg)}
}

// plainText is the decoded text/plain part of a multipart/alternative mail.
func plainText(t *testing.T, msg *mail.Message) string {
	t.Helper()
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := r.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/plain") {
			b, err := io.ReadAll(part)
			if err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
}
