package notify

import "golang.org/x/net/idna"

// WebhookASCIIHost is a webhook host that is not all ASCII converted as
// Go's HTTP client converts it before dialling: by IDNA's lookup profile
// (UTS #46 mapping, then Punycode), which reads full-width and other
// compatibility characters as the ASCII ones they stand for
// ("ｌｏｃａｌｈｏｓｔ" is localhost) and writes an internationalised name
// as "xn--" labels. It fails for a host with no such form. Registration
// checks a webhook's host in this form (domain.WebhookURLPolicy.ASCIIHost);
// the domain leaves an all-ASCII host as it is and calls this only for the
// others, as the HTTP client does.
func WebhookASCIIHost(host string) (string, error) {
	return idna.Lookup.ToASCII(host)
}
