package notify

import (
	"strings"
	"testing"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want SMTPConfig
	}{
		{"smtp://mail.example", SMTPConfig{Host: "mail.example", Port: 587, TLS: "opportunistic"}},
		{"smtp://u:p@mail.example:2525", SMTPConfig{Host: "mail.example", Port: 2525, TLS: "required", Username: "u", Password: "p"}},
		{"smtp://localhost:1025?tls=none", SMTPConfig{Host: "localhost", Port: 1025, TLS: "none"}},
		{"smtps://u:p@mail.example", SMTPConfig{Host: "mail.example", Port: 465, Implicit: true, TLS: "required", Username: "u", Password: "p"}},
	} {
		got, err := ParseSMTPURL(c.url)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
	for _, c := range []struct{ url, want string }{
		{"mail.example:25", "scheme"},
		{"smtp://", "no host"},
		{"smtp://u:secret@mail.example:0", "port"},
		{"smtp://mail.example?tls=sometimes", "tls must be"},
		{"smtps://mail.example?tls=none", "always TLS"},
	} {
		_, err := ParseSMTPURL(c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error %v, want one about %q without the password", c.url, err, c.want)
		}
	}
}

func TestHTMLBodyEscapes(t *testing.T) {
	got := htmlBody("Comment: <b>now</b>\n\nStatus: x")
	if !strings.Contains(got, "&lt;b&gt;now&lt;/b&gt;") || !strings.Contains(got, "<p>Status: x</p>") {
		t.Fatalf("htmlBody = %s", got)
	}
}
