package notify

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// WebhookASCIIHost is the host a webhook delivery connects to, converted
// as Go's HTTP client converts it before dialling: an all-ASCII host as it
// is, any other by IDNA's lookup profile (UTS #46 mapping, then Punycode),
// which reads full-width and other compatibility characters as the ASCII
// ones they stand for ("ｌｏｃａｌｈｏｓｔ" is localhost) and writes an
// internationalised name as "xn--" labels. It fails for a host with no such
// form. Registration checks a webhook's host in this form
// (domain.WebhookURLPolicy.ASCIIHost).
func WebhookASCIIHost(host string) (string, error) {
	if !strings.ContainsFunc(host, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return host, nil
	}
	return idna.Lookup.ToASCII(host)
}
