package web

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestRequestPageWarningsForItsReader: the request page shows a liaison
// officer only their audience's warnings — the days an area would be over
// capacity — never the approvers' one with the area's capacity and peak,
// from which the other nations' load follows; an approver sees theirs,
// under "Conflicts", which owns the area sentences on an approver's page
// (TestRequestPageWarningsOnce).
func TestRequestPageWarningsForItsReader(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, de := e.client().signIn("lo-no"), e.client().signIn("lo-de")
		requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit")))
		requestID(t, de.post("/requests/new", withValue(validForm(), "action", "submit")))
		big := withValue(withValue(validForm(), "personnel.military", "500"), "action", "submit")
		id := requestID(t, de.post("/requests/new", big))

		section := func(c *client, h2 string) string {
			p := c.get("/requests/" + id)
			wantStatus(t, p, 200)
			return strings.Join(strings.Fields(p.Doc.Find("main h2:contains('"+h2+"') + ul").Text()), " ")
		}
		warnings := func(c *client) string { return section(c, "Warnings") }
		if got := warnings(de); !strings.Contains(got, "over capacity") || strings.Contains(got, "capacity of") ||
			strings.Contains(got, "1445") || strings.Contains(got, "1200") {
			t.Errorf("the liaison officer's warnings: %q", got)
		}
		if got := section(e.client().signIn("ops"), "Conflicts"); !strings.Contains(got, "capacity of 1200") {
			t.Errorf("the approver's warnings: %q", got)
		}
	})
}

// TestWarningsAreSentences: the domain words a warning as a part of a
// sentence, in lower case ("crossing 1 is planned …", as the API's
// warnings[].message has it); each line of a page's list of warnings —
// the request page's and the dry run's — is a sentence of its own and
// starts with a capital.
func TestWarningsAreSentences(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	f := withValue(validForm(), "movements[0].mode", "sea") // Storlien is a road crossing
	const want = "Crossing 1 is planned by sea at Storlien"
	dry := lo.post("/requests/new", withValue(f, "action", "dryrun"))
	wantStatus(t, dry, 200)
	id := requestID(t, lo.post("/requests/new", withValue(f, "action", "submit")))
	page := lo.get("/requests/" + id)
	for name, got := range map[string][]string{"dry run": texts(dry, ".dryrun-warnings li"),
		"request page": texts(page, "main h2:contains('Warnings') + ul li")} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("the %s's warnings %q: none starts %q", name, got, want)
		}
		for _, s := range got {
			if r, _ := utf8.DecodeRuneInString(s); !unicode.IsUpper(r) {
				t.Errorf("the %s's warning %q does not start a sentence", name, s)
			}
		}
	}
}
