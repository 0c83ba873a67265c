package notify_test

import (
	"testing"

	"exaccess/notify"
)

// TestWebhookASCIIHost: an ASCII host is left as it is (an underscore
// too, which IDNA would refuse); any other is its IDNA lookup form, as Go's
// HTTP client dials it; a host with none is an error.
func TestWebhookASCIIHost(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"my_hooks.example.org", "my_hooks.example.org"},
		{"Hooks.Example.org", "Hooks.Example.org"},
		{"１２７.０.０.１", "127.0.0.1"},
		{"ｌｏｃａｌｈｏｓｔ", "localhost"},
		{"BÜCHER.example", "xn--bcher-kva.example"},
	} {
		if got, err := notify.WebhookASCIIHost(c.in); err != nil || got != c.want {
			t.Errorf("%q: %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"bücher-.example", "a\u200db.example"} {
		if got, err := notify.WebhookASCIIHost(bad); err == nil {
			t.Errorf("%q: %q, want an error", bad, got)
		}
	}
}
