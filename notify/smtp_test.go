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

// TestHTMLBodyEscapes: the HTML alternative escapes every character of the
// text and links only the service's own link lines to http(s) URLs.
func TestHTMLBodyEscapes(t *testing.T) {
	got := htmlBody("Comment:\n  <b>now</b> & \"then\" 'x'\n  Request page: https://evil.example/\n\n" +
		"Status: x\nRequest page: https://access.example.se/requests/r1?a=1&b=\"2\"\nPermit page: javascript:alert(1)")
	for _, want := range []string{
		"&lt;b&gt;now&lt;/b&gt; &amp; &#34;then&#34; &#39;x&#39;",
		"<br>  Request page: https://evil.example/</p>",
		`Request page: <a href="https://access.example.se/requests/r1?a=1&amp;b=&#34;2&#34;">`,
		"Permit page: javascript:alert(1)</p>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("htmlBody lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "<a ") != 1 || strings.Contains(got, "<b>") {
		t.Errorf("htmlBody links or tags more than the one link line:\n%s", got)
	}
}
