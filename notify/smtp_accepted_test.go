package notify_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage/storagetest"
)

// quitDroppingSMTP is a mail server that accepts every message (250 after
// DATA) and, on QUIT, closes the connection without the 221 reply, as some
// relays or a dropped connection do.
func quitDroppingSMTP(t *testing.T) (addr string, accepted func() int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				w := func(s string) { c.Write([]byte(s + "\r\n")) }
				w("220 fake")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						w("250 fake")
					case strings.HasPrefix(cmd, "DATA"):
						w("354 go")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
						}
						mu.Lock()
						n++
						mu.Unlock()
						w("250 queued")
					case strings.HasPrefix(cmd, "QUIT"):
						return // no 221
					default:
						w("250 ok")
					}
				}
			}(c)
		}
	}()
	return l.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// A mail the server accepted (250 after DATA) went out: that the
// connection then fails at RSET or QUIT must not count the attempt as
// failed, or the worker sends the same mail again at each retry.
func TestSMTPMailAcceptedIsNotSentAgainWhenQuitFails(t *testing.T) {
	addr, accepted := quitDroppingSMTP(t)
	host, port, _ := strings.Cut(addr, ":")
	cfg, err := notify.ParseSMTPURL("smtp://" + host + ":" + port + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	s, err := notify.NewSMTPSender(cfg, "exa@example.org")
	if err != nil {
		t.Fatal(err)
	}
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db, 1, 1, false)
	now := t0
	w := &notify.Worker{Outbox: db, Email: s, Now: func() time.Time { return now }}
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		now = now.Add(10 * time.Minute)
	}
	rows, err := db.Notifications(context.Background(), "r000")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Channel == domain.ChannelEmail && (r.Status != domain.DeliverySent || r.Attempts != 1) {
			t.Errorf("e-mail row: status=%s attempts=%d last_error=%q, want sent after 1 attempt", r.Status, r.Attempts, r.LastError)
		}
	}
	if got := accepted(); got != 1 {
		t.Errorf("the mail server accepted the one notification %d times", got)
	}
}
