package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestAreasSortedByName: every list of training areas to choose from (the
// request form's, the request list's filter, a framework agreement's
// checkboxes) offers them by the name shown, not in the reference data's
// north-to-south order, which starts "Bodens södra skjutfält, Kilens
// övningsfält, Arvidsjaurs …".
func TestAreasSortedByName(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo, admin := e.client().signIn("lo-no"), e.client().signIn("admin")
	for _, c := range []struct {
		name, sel string
		p         page
	}{
		{"request form", "#f-training-areas-0-area option", lo.get("/requests/new")},
		{"request list", "#f-area option", lo.get("/requests")},
		{"new framework agreement", "#" + fieldID("training_areas") + " label", admin.get("/admin/frameworks/new")},
	} {
		wantStatus(t, c.p, http.StatusOK)
		var names []string
		c.p.Doc.Find(c.sel).Each(func(_ int, o *goquery.Selection) {
			if o.Is("option") && o.AttrOr("value", "") == "" { // "Any area", "Choose…"
				return
			}
			names = append(names, strings.TrimSpace(o.Text()))
		})
		if len(names) != len(e.ref.TrainingAreas) {
			t.Errorf("%s: %d areas offered, want %d: %v", c.name, len(names), len(e.ref.TrainingAreas), names)
			continue
		}
		if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
			t.Errorf("%s: the areas are not in the order of their names: %v", c.name, names)
		}
		if names[0] != "Arvidsjaurs övnings- och skjutfält" || names[len(names)-1] != "Älvdalens skjutfält" {
			t.Errorf("%s: first %q, last %q", c.name, names[0], names[len(names)-1])
		}
	}
}
