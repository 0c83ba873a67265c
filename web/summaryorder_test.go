package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// TestSummaryFollowsThePage: an error summary lists the errors in the
// order of their fields on the page, not in the order they were checked:
// a first day typed wrong (checked before the domain's checks) comes after
// the purpose above it, a vehicle group's count after the crossing of an
// earlier part... and a delegation's errors in the form's order.
func TestSummaryFollowsThePage(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	f := validForm()
	f.Set("purpose", "")
	f.Set("period.start", "2027-3-2")
	f.Set("contact.email", "not-an-address")
	f.Set("vehicles[0].count", "1O")
	f.Set("movements[0].mode", "")
	p := lo.post("/requests/new", withValue(f, "action", "dryrun"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	want := []string{"Purpose", "First day", "Vehicle group 1 – Number", "Crossing 1 – Mode", "Point of contact – E-mail"}
	if got := summaryLabels(p); !slices.Equal(got, want) {
		t.Errorf("the request form's summary lists %q, want %q", got, want)
	}

	hns := e.client().signIn("hns")
	d := hns.post("/delegations", map[string][]string{"to": {"nobody"}, "role": {"chief"}, "starts": {"1 December"}, "ends": {"soon"}})
	wantStatus(t, d, http.StatusUnprocessableEntity)
	if got := summaryLabels(d); !slices.IsSortedFunc(got, func(a, b string) int {
		order := []string{"Delegate", "Role", "Starts", "Ends"}
		return slices.Index(order, a) - slices.Index(order, b)
	}) || len(got) < 3 {
		t.Errorf("the delegation form's summary lists %q, not in the form's order", got)
	}
}

// summaryLabels are the labels the summary names, in its order.
func summaryLabels(p page) []string {
	var out []string
	for _, s := range summary(p) {
		label, _, _ := strings.Cut(s, ": ")
		out = append(out, label)
	}
	return out
}

// wantPageOrder checks that the page's order of l (labels.position) sorts
// paths as their elements are on the page: every path of the page's forms,
// and every one the domain names in their errors, that has an element
// (itself or its anchor). Every field, group and part l labels is in its
// order.
func wantPageOrder(t *testing.T, doc *goquery.Document, l labels, paths []string) {
	t.Helper()
	for k := range l.keys {
		if !slices.Contains(l.order, k) {
			t.Errorf("%s is labelled but not in the page's order", k)
		}
	}
	for part, rp := range l.rows {
		if !slices.Contains(l.order, part) {
			t.Errorf("the part %s is not in the page's order", part)
		}
		for f := range rp.fields {
			if !slices.Contains(rp.order, f) {
				t.Errorf("%s's field %s is not in the row's order", part, f)
			}
		}
	}
	at := map[*html.Node]int{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		at[n] = len(at)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc.Nodes[0])
	where := func(path string) int {
		for _, p := range []string{path, l.anchor(path)} {
			if el := doc.Find("#" + fieldID(p)); el.Length() > 0 {
				return at[el.Nodes[0]]
			}
		}
		return -1
	}
	var placed []string
	for _, p := range paths {
		if where(p) >= 0 {
			placed = append(placed, p)
		}
	}
	for i, a := range placed {
		for _, b := range placed[i+1:] {
			page, order := where(a)-where(b), slices.Compare(l.position(a), l.position(b))
			if page != 0 && (page < 0) != (order < 0) {
				t.Errorf("the summary would put %s and %s the other way round than the page", a, b)
			}
		}
	}
}
