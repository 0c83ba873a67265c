package web

import (
	"strings"
	"testing"
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
