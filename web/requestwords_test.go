package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// factOf is the text of the request page's fact labelled dt.
func factOf(p page, dt string) string {
	return strings.Join(strings.Fields(p.Doc.Find(`dl.facts dt:contains("`+dt+`") + dd`).First().Text()), " ")
}

// TestRequestPageInWords: the request page says in words what it would
// otherwise leave blank or show as codes — no weapons, the route's
// reasons — shows "Decision due" only while a decision is due, and the
// notice after amending a returned request says what happens next.
func TestRequestPageInWords(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")

	unarmed := validForm()
	unarmed.Del("weapons.live_fire")
	unarmed.Del("weapons.systems")
	unarmed.Del("training_areas[0].area")
	unarmed.Del("training_areas[0].from")
	unarmed.Del("training_areas[0].to")
	id := requestID(t, lo.post("/requests/new", withValue(unarmed, "action", "save")))
	if got := factOf(lo.get("/requests/"+id), "Weapons"); got != "No live fire; no weapon systems listed" {
		t.Errorf("weapons of an unarmed request: %q", got)
	}
	armed := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	page := lo.get("/requests/" + armed)
	if got := factOf(page, "Weapons"); got != "Live fire is planned. CV90, M72" {
		t.Errorf("weapons of an armed request: %q", got)
	}
	reasons := strings.Join(strings.Fields(page.Doc.Find(`h3:contains("Why this route") + ul`).Text()), " ")
	for _, w := range []string{"The intake review by the Swedish Armed Forces' host-nation support desk: every request gets an intake review",
		"The range safety review by the Swedish Armed Forces' range and training-area officer: live fire, dangerous goods or training areas are planned",
		"The access decision by the Swedish Armed Forces' headquarters: the Armed Forces decide"} {
		if !strings.Contains(reasons, w) {
			t.Errorf("Why this route lacks %q: %s", w, reasons)
		}
	}
	if strings.Contains(reasons, "_officer") || strings.Contains(reasons, "range_safety") {
		t.Errorf("Why this route shows codes: %s", reasons)
	}
	// "Decision expected by" while some stage has not started (its
	// deadline an estimate), "Decision due" once every stage has.
	decisionDate := func(text string) bool {
		return strings.Contains(text, "Decision due") || strings.Contains(text, "Decision expected by")
	}
	if !decisionDate(page.Doc.Find("main").Text()) {
		t.Errorf("a request in review shows no decision date")
	}

	// The receipt in the inbox names each stage's deadline in words.
	inbox := strings.Join(strings.Fields(lo.get("/inbox").Doc.Find("ul.inbox").Text()), " ")
	if !strings.Contains(inbox, "the intake review by the Swedish Armed Forces' host-nation support desk: decision due") || strings.Contains(inbox, "(hns_officer)") {
		t.Errorf("the receipt's deadlines: %s", inbox)
	}

	// Decided: approved, and withdrawn.
	e.approveAll(armed)
	if text := lo.get("/requests/" + armed).Doc.Find("main").Text(); decisionDate(text) {
		t.Errorf("an approved request shows a decision date")
	}
	other := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	page = lo.get("/requests/" + other)
	requestID(t, lo.post("/requests/"+other+"/withdraw", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "withdraw")}}))
	if text := lo.get("/requests/" + other).Doc.Find("main").Text(); decisionDate(text) {
		t.Errorf("a withdrawn request shows a decision date")
	}

	// Amending a request returned for changes.
	returned := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns := e.client().signIn("hns")
	requestID(t, hns.post("/requests/"+returned+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
		"comment": {"Name the commander."}, "version": {formVersion(hns.get("/requests/"+returned), "decide")}}))
	edit := lo.get("/requests/" + returned + "/edit")
	f := withValue(validForm(), "action", "save")
	f.Set("version", edit.Doc.Find(`input[name="version"]`).AttrOr("value", ""))
	p := lo.post("/requests/"+returned+"/edit", f)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("amend: %d", p.Status)
	}
	if got := lo.get(p.Header.Get("Location")).Doc.Find(".notice").Text(); got != "Changes saved; submit again to resume the review." {
		t.Errorf("the notice after amending: %q", got)
	}
	if got := lo.get("/requests/" + id + "?done=saved").Doc.Find(".notice").Text(); got != "Draft saved." {
		t.Errorf("the notice after saving a draft: %q", got)
	}
}
