package domain

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

func TestValidateWebhookURL(t *testing.T) {
	cases := []struct {
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https://hooks.example.org/exaccess", false, true},
		{"https://hooks.example.org:8443/x?token=abc", false, true},
		{"https://[2606:4700::1111]/x", false, true},
		{"https://8.8.8.8:443/x", false, true},
		{"https://hooks.example.org:1/x", false, true},
		{"https://hooks.example.org:65535/x", false, true},
		{"https://hooks.example.org/a%20b", false, true},
		{"http://hooks.example.org/x", false, false},
		{"http://127.0.0.1:8080/x", true, true}, // tests and local setups: private literals with http
		// Ports outside 1-65535.
		{"https://no.example:99999/x", false, false},
		{"https://no.example:65536/x", false, false},
		{"https://no.example:0/x", false, false},
		{"https://no.example:00/x", false, false},
		// White space and control characters.
		{"https://no.example/x y", false, false},
		{" https://no.example/x", false, false},
		{"https://no.example/x\t", false, false},
		{"https://no.example/x\u00a0y", false, false},
		{"https://no.example/x\u2028", false, false},
		{"https://no.example/x\x7f", false, false},
		// IP literals and names that are not public.
		{"https://127.0.0.1/x", false, false},
		{"https://[::1]/x", false, false},
		{"https://[2001:db8::1]/x", false, false},
		{"https://10.1.2.3/x", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://100.100.100.200/x", false, false},
		{"https://[::ffff:127.0.0.1]/x", false, false},
		{"https://[64:ff9b::a9fe:a9fe]/x", false, false},
		{"https://0.0.0.0/x", false, false},
		{"https://localhost/x", false, false},
		{"https://LocalHost./x", false, false},
		{"https://api.localhost/x", false, false},
		{"", false, false},
		{"hooks.example.org/x", false, false},
		{"/relative", false, false},
		{"ftp://hooks.example.org/x", true, false},
		{"mailto:ops@example.org", true, false},
		{"https:///nohost", false, false},
		{"https://user:pw@hooks.example.org/x", false, false},
		{"https://user@hooks.example.org/x", false, false},
		{"https://hooks.example.org/x#frag", false, false},
		{"https://hooks.example.org/x#", false, false},
		{"https://hooks.example.org/" + strings.Repeat("a", MaxWebhookURL), false, false},
		{"https://hooks.example.org/%zz", false, false},
		// Hosts: DNS names, canonical dotted quads and bracketed IPv6
		// only; a number spelled otherwise hides which address it is.
		{"https://hooks.example.org./x", false, true},
		{"https://my_hooks.example.org/x", false, true},
		{"https://1password.example/x", false, true},
		{"https://0x.example/x", false, true},
		{"https://hooks.example.0x1z/x", false, true},
		{"https://bücher.example/x", false, true},
		{"https://2130706433:18999/", false, false},
		{"https://0x7f000001/", false, false},
		{"https://0X7F000001/", false, false},
		{"https://127.1/", false, false},
		{"https://0177.0.0.1/", false, false},
		{"https://08.8.8.8/", false, false},
		{"https://8.8.8.010/", false, false},
		{"https://8.8.2056/", false, false},
		{"https://134744072/", false, false},
		{"https://0x8.0x8.0x8.0x8/", false, false},
		{"https://8.8.8.8.8/", false, false},
		{"https://hooks.example.123/x", false, false},
		{"https://hooks.example.0x1f/x", false, false},
		{"https://%31%32%37.1/", false, false},
		{"https://hooks..example.org/x", false, false},
		{"https://-hooks.example.org/x", false, false},
		{"https://hooks-.example.org/x", false, false},
		{"https://" + strings.Repeat("a", 64) + ".example.org/x", false, false},
		{"https://hooks!.example.org/x", false, false},
		{"https://[fe80::1%25eth0]/x", false, false},
		{"https://[8.8.8.8]/x", false, false},
		// A host not in ASCII is checked as the sender connects to it, in
		// its ASCII form: full-width characters are the ASCII ones they
		// stand for, an internationalised name is its xn-- form.
		{"https://１２７.０.０.１/", false, false},
		{"https://ｌｏｃａｌｈｏｓｔ/", false, false},
		{"https://ａｐｉ.localhost/x", false, false},
		{"https://LOCALHOST。/x", false, false}, // an ideographic full stop is a dot
		{"https://１０.1.2.3/x", false, false},
		{"https://１２７.１/", false, false},
		{"https://０ｘ７ｆ０００００１/", false, false},
		{"https://hooks.example.１２３/x", false, false},
		{"https://ｈｏｏｋｓ.example.org/x", false, true}, // hooks.example.org
		{"https://BÜCHER.example/x", false, true},
		{"https://bücher.example:8443/x?a=b", false, true},
		{"https://bücher-.example/x", false, false},  // no IDNA form: a label ends with '-'
		{"https://a\u200db.example/x", false, false}, // a joiner out of place
		{"https://\u05d0a.example/x", false, false},  // right-to-left and left-to-right in one label
		{"https://bücher_x.example/x", false, false}, // '_' is no IDNA character
		// Also where private addresses are allowed (tests, local setups).
		{"http://127.0.0.1:8080/x", true, true},
		{"http://[::1]:8080/x", true, true},
		{"http://localhost:8080/x", true, true},
		{"http://2130706433:8080/x", true, false},
		{"http://127.1:8080/x", true, false},
		{"http://0x7f.0.0.1:8080/x", true, false},
		{"http://１２７.０.０.１:8080/x", true, true},
		{"http://１２７.１:8080/x", true, false},
	}
	for _, c := range cases {
		err := ValidateWebhookURL(c.url, WebhookURLPolicy{AllowHTTP: c.allowHTTP, AllowPrivate: c.allowHTTP, ASCIIHost: idna.Lookup.ToASCII})
		if (err == nil) != c.ok {
			t.Errorf("%q (http %v): %v, want ok=%v", c.url, c.allowHTTP, err, c.ok)
		}
		if err != nil {
			if e, _ := err.(*Error); e == nil || e.Code != CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "url" {
				t.Errorf("%q: %#v, want invalid naming url", c.url, err)
			}
		}
	}
}

// TestValidateWebhookURLNamesBothForms: a host refused in its ASCII form
// is named as it was given and as it was read.
func TestValidateWebhookURLNamesBothForms(t *testing.T) {
	err := ValidateWebhookURL("https://ｌｏｃａｌｈｏｓｔ/", WebhookURLPolicy{ASCIIHost: idna.Lookup.ToASCII})
	if e, _ := err.(*Error); e == nil || len(e.Fields) != 1 ||
		e.Fields[0].Message != "names ｌｏｃａｌｈｏｓｔ (localhost), which is not a public address: deliveries go only to public addresses" {
		t.Errorf("%#v", err)
	}
	// Without a conversion, a host not in ASCII cannot be checked: refused.
	if err := ValidateWebhookURL("https://bücher.example/x", WebhookURLPolicy{}); ErrorCode(err) != CodeInvalid {
		t.Errorf("no conversion: %v", err)
	}
	if err := ValidateWebhookURL("https://hooks.example.org/x", WebhookURLPolicy{}); err != nil {
		t.Errorf("no conversion, an ASCII host: %v", err)
	}
}

func TestValidateWebhookRole(t *testing.T) {
	for _, r := range ApproverRoles() {
		if err := ValidateWebhookRole(r); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
	for _, r := range []Role{RoleLiaison, RoleAuditor, RoleAdmin, "", "hns"} {
		if err := ValidateWebhookRole(r); ErrorCode(err) != CodeInvalid {
			t.Errorf("%q accepted: %v", r, err)
		}
	}
}

func TestWebhookSecret(t *testing.T) {
	a, err := NewWebhookSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewWebhookSecret()
	key, err := WebhookKey(a)
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(key) != 32 || a == b {
		t.Fatalf("secrets %q %q, key %d bytes, %v", a, b, len(key), err)
	}
	if raw, _ := base64.StdEncoding.DecodeString(a[len("whsec_"):]); string(raw) != string(key) {
		t.Fatal("the key is not the secret's base64 part decoded")
	}
	for _, bad := range []string{"whsec_", "whsec_!!!", ""} {
		if _, err := WebhookKey(bad); err == nil {
			t.Errorf("WebhookKey(%q) accepted", bad)
		}
	}
}

// TestWebhookURLForAudit: the audit log keeps a webhook URL's origin and
// the fingerprint of the whole URL, never its path or query, where Slack,
// Discord and Teams put the receiver's credentials.
func TestWebhookURLForAudit(t *testing.T) {
	fp := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	for in, want := range map[string]string{
		"https://h.example/x?token=abc": "https://h.example " + fp("https://h.example/x?token=abc"),
		"https://h.example/x":           "https://h.example " + fp("https://h.example/x"),
		"https://h.example:8443/a/b?c":  "https://h.example:8443 " + fp("https://h.example:8443/a/b?c"),
		"https://hooks.slack.com/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX": "https://hooks.slack.com " +
			fp("https://hooks.slack.com/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX"),
		"https://discord.com/api/webhooks/123/tokenTOKENtoken": "https://discord.com " + fp("https://discord.com/api/webhooks/123/tokenTOKENtoken"),
		"https://[2606:4700::1]:8443/p":                        "https://[2606:4700::1]:8443 " + fp("https://[2606:4700::1]:8443/p"),
		"%zz":                                                  fp("%zz"),
	} {
		got := WebhookURLForAudit(in)
		if got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
		for _, secret := range []string{"XXXX", "tokenTOKEN", "token=abc", "/services", "/a/b"} {
			if strings.Contains(got, secret) {
				t.Errorf("%q → %q keeps %q", in, got, secret)
			}
		}
	}
}

func TestValidateSettings(t *testing.T) {
	cases := []struct {
		name   string
		in     []ChannelSetting
		fields []string
		says   string // a word of the first error's message
	}{
		{"empty", nil, nil, ""},
		{"every cell", settingsGrid(nil), nil, ""},
		{"unknown kind", []ChannelSetting{{Kind: "request.lost", Channel: ChannelEmail}}, []string{"settings[0].kind"}, ""},
		{"unknown channel", []ChannelSetting{{Kind: NotifyApproved, Channel: "sms"}}, []string{"settings[0].channel"}, ""},
		{"both", []ChannelSetting{{Kind: NotifyApproved, Channel: ChannelInbox}, {Kind: "x", Channel: "y"}}, []string{"settings[1].kind", "settings[1].channel"}, ""},
		{"missing kind", []ChannelSetting{{Channel: ChannelEmail}}, []string{"settings[0].kind"}, "required"},
		{"unknown is named", []ChannelSetting{{Kind: "request.lost", Channel: ChannelEmail}}, []string{"settings[0].kind"}, `unknown kind "request.lost"`},
		{"twice", []ChannelSetting{{Kind: NotifyApproved, Channel: ChannelInbox}, {Kind: NotifyApproved, Channel: ChannelInbox, Enabled: true}}, []string{"settings[1]"}, ""},
	}
	for _, c := range cases {
		err := ValidateSettings(c.in)
		var got []string
		if e, ok := err.(*Error); ok {
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
		} else if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if strings.Join(got, " ") != strings.Join(c.fields, " ") {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
		if e, ok := err.(*Error); ok && c.says != "" && !strings.Contains(e.Fields[0].Message, c.says) {
			t.Errorf("%s: %q does not say %q", c.name, e.Fields[0].Message, c.says)
		}
	}
}

func TestSettingsGrid(t *testing.T) {
	g := settingsGrid([]ChannelSetting{{Kind: NotifyStageActive, Channel: ChannelWebhook}})
	if len(g) != len(NotificationKinds)*len(NotificationChannels) {
		t.Fatalf("%d cells", len(g))
	}
	for _, c := range g {
		if c.Enabled == (c.Kind == NotifyStageActive && c.Channel == ChannelWebhook) {
			t.Errorf("cell %+v", c)
		}
	}
}
