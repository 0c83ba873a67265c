package notify_test

import (
	"testing"

	"exaccess/domain"
	"exaccess/notify"
)

// TestWebhookASCIIHost: a host not in ASCII is its IDNA lookup form, as
// Go's HTTP client dials it; a host with none is an error.
func TestWebhookASCIIHost(t *testing.T) {
	for _, c := range []struct{ in, want string }{
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

// TestWebhookHostsAsRegistrationReadsThem: with WebhookASCIIHost as its
// converter, registration leaves an ASCII host as it is (an underscore too,
// which IDNA would refuse, and capitals) and reads any other in the form
// the sender dials.
func TestWebhookHostsAsRegistrationReadsThem(t *testing.T) {
	policy := domain.WebhookURLPolicy{ASCIIHost: notify.WebhookASCIIHost}
	for _, ok := range []string{"https://my_hooks.example.org/x", "https://Hooks.Example.org/x", "https://bücher.example/x"} {
		if err := domain.ValidateWebhookURL(ok, policy); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"https://ｌｏｃａｌｈｏｓｔ/x", "https://１２７.０.０.１/x", "https://bücher-.example/x"} {
		if err := domain.ValidateWebhookURL(bad, policy); err == nil {
			t.Errorf("%s: admitted", bad)
		}
	}
}
