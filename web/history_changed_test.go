package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestHistorySaysWhatAnAmendmentChanged: after the intake officer asks
// for changes and the liaison officer amends the purpose, adds a vehicle
// group and the exit crossing and resubmits, the "Amended" row of the
// history names what changed by the form's labels, in the form's order
// (request.updated's data holds the changed fields with their new values,
// in no order): "Changed: Purpose, Vehicles, Border crossings" — for the
// approver and the sending nation alike, and the names only, none of the
// new values.
func TestHistorySaysWhatAnAmendmentChanged(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := validForm()
		for _, k := range []string{"movements[1].direction", "movements[1].entry_point", "movements[1].at", "movements[1].mode"} {
			first.Del(k)
		}
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(first, "action", "submit")))
		hns := e.client().signIn("hns")
		version := hns.get("/requests/"+id).Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
		requestID(t, hns.post("/requests/"+id+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
			"comment": {"Add the exit crossing."}, "version": {version}}))
		edit := lo.get("/requests/" + id + "/edit")
		wantStatus(t, edit, http.StatusOK)
		amended := validForm() // the exit crossing back
		amended.Set("purpose", "Winter training, amended")
		amended.Set("vehicles[1].category", string(domain.VehicleNonCombat))
		amended.Set("vehicles[1].kind", string(domain.VehicleWheeled))
		amended.Set("vehicles[1].count", "7")
		amended.Set("version", edit.Doc.Find(`input[name="version"]`).AttrOr("value", ""))
		amended.Set("action", "submit")
		requestID(t, lo.post("/requests/"+id+"/edit", amended))

		for who, c := range map[string]*client{"hns": hns, "lo-no": lo} {
			p := c.get("/requests/" + id)
			wantStatus(t, p, http.StatusOK)
			var details []string
			p.Doc.Find("table.history tbody tr").Each(func(_ int, tr *goquery.Selection) {
				if tr.Find("td").Eq(2).Text() == "Amended" {
					details = append(details, tr.Find("td").Eq(3).Text())
				}
			})
			if want := []string{"Changed: Purpose, Vehicles, Border crossings"}; !slices.Equal(details, want) {
				t.Errorf("%s: the Amended rows' Detail is %q, want %q", who, details, want)
			}
		}
	})
}

// TestEveryDetailHasItsLabel: request.updated names the top-level fields
// of the details (domain.DetailsDoc's keys); the history names each by
// the request form's label and places it in the form's order, so each
// must have both.
func TestEveryDetailHasItsLabel(t *testing.T) {
	for f := range reflect.TypeFor[domain.DetailsDoc]().Fields() {
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if _, ok := requestLabels.keys[key]; !ok || !slices.Contains(requestLabels.order, key) {
			t.Errorf("the detail %q has no label or no place in the request form's order", key)
		}
	}
}

// TestAuditDetailShowsStockholmTime: the audit page's Detail column shows
// each timestamp of an entry's data in the console's Stockholm time, as
// the other pages do — a delegation's end as the delegations page shows
// it, "2026-12-31 24:00 CET (Stockholm)", not "2026-12-31T23:00:00Z" —
// in a time element that keeps the exact value (its title, and its
// datetime); with each time put back as its title, the column is the
// entry's data as stored, keys sorted.
func TestAuditDetailShowsStockholmTime(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ops := e.client().signIn("ops")
	if p := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	p := e.client().signIn("auditor").get("/audit?action=" + domain.AuditDelegationCreated)
	wantStatus(t, p, http.StatusOK)
	cell := p.Doc.Find("main table tbody tr td.data")
	if cell.Length() != 1 {
		t.Fatalf("%d delegation entries on the audit page", cell.Length())
	}
	text := cell.Text()
	if strings.Contains(text, "T23:00:00Z") || !strings.Contains(text, `"ends":"2026-12-31 24:00 CET (Stockholm)"`) ||
		!strings.Contains(text, `"starts":"2026-11-23 10:00 CET (Stockholm)"`) {
		t.Errorf("the Detail column reads %s", text)
	}
	ends := cell.Find(`time[title="2026-12-31T23:00:00Z"]`)
	if ends.Length() != 1 || ends.AttrOr("datetime", "") != "2026-12-31T23:00:00Z" {
		html, _ := cell.Html()
		t.Errorf("no time element keeps the exact end: %s", html)
	}

	// Faithful: the times put back, the column is the stored data.
	var back strings.Builder
	cell.Find("code").Contents().Each(func(_ int, n *goquery.Selection) {
		if goquery.NodeName(n) == "time" {
			back.WriteString(n.AttrOr("title", ""))
		} else {
			back.WriteString(n.Text())
		}
	})
	items, err := e.db.AuditEvents(context.Background(), domain.AuditFilter{Action: domain.AuditDelegationCreated, Limit: 1})
	if err != nil || len(items.Items) != 1 {
		t.Fatalf("the entry: %v", err)
	}
	var entry struct{ Data map[string]any }
	dec := json.NewDecoder(bytes.NewReader(items.Items[0].Entry))
	dec.UseNumber()
	if err := dec.Decode(&entry); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(entry.Data)
	if back.String() != string(want) {
		t.Errorf("the Detail column with its exact times is\n%s\nwant the stored data\n%s", back.String(), want)
	}
}
