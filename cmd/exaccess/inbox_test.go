package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestInboxWithoutSMTP: a real server with no --smtp-url marks the
// e-mails of a submission undeliverable, and the liaison officer's inbox
// has the notification all the same, and marks it read.
func TestInboxWithoutSMTP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inbox.db")
	base, stop := startServer(t, []string{"--demo", "--db", path, "--notify-interval", "50ms"}, nil)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	lo := signIn(t, base, "lo-no")
	id := call(t, "POST", base+"/api/v1/requests", lo, requestBody("Cold Response", 10, ""))["id"].(string)
	call(t, "POST", base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", `"1"`)

	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The worker polls every 50 ms; wait (at most 20 s) until it has
	// finished every e-mail of the submission.
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows, err := db.Notifications(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		undeliverable, emails := 0, 0
		for _, n := range rows {
			if n.Channel == domain.ChannelEmail {
				emails++
				if n.Status == domain.DeliveryUndeliverable {
					undeliverable++
				}
			}
		}
		if emails > 0 && undeliverable == emails {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d e-mails undeliverable after 20 s: %+v", undeliverable, emails, rows)
		}
		time.Sleep(50 * time.Millisecond)
	}

	inbox := call(t, "GET", base+"/api/v1/me/notifications", lo, "")
	items := inbox["items"].([]any)
	if len(items) != 1 || inbox["unread"] != float64(1) {
		t.Fatalf("lo-no's inbox without SMTP: %v", inbox)
	}
	item := items[0].(map[string]any)
	if item["kind"] != domain.NotifySubmitted || item["request_id"] != id {
		t.Fatalf("item %v", item)
	}
	read := call(t, "POST", fmt.Sprintf("%s/api/v1/me/notifications/%s/read", base, item["id"]), lo, "")
	if read["unread"] != float64(0) {
		t.Fatalf("after marking it read: %v", read)
	}
	if de := call(t, "GET", base+"/api/v1/me/notifications", signIn(t, base, "lo-de"), ""); len(de["items"].([]any)) != 0 {
		t.Fatalf("lo-de's inbox: %v", de)
	}
}
