package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFormDefaultActionChecks: the request form's first submit button in
// tree order, which Enter in a field sends (implicit submission, with or
// without JavaScript), is the check that saves nothing, not "Save draft";
// beside "Save draft" the form says that a draft needs every field not
// marked optional. The amend form of a returned request says "Save
// changes", not "Save draft", beside "Save and resubmit".
func TestFormDefaultActionChecks(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	form := `form[method="post"][action^="/requests/"]`
	p := lo.get("/requests/new")
	wantStatus(t, p, http.StatusOK)
	first := p.Doc.Find(form + ` button[type="submit"]`).First()
	if v := first.AttrOr("value", ""); v != "dryrun" {
		t.Errorf("the form's first submit button (Enter's) sends action %q, want the check (dryrun)", v)
	}
	save := p.Doc.Find(form + ` .actions button[value="save"]`)
	if got := strings.TrimSpace(save.Text()); got != "Save draft" {
		t.Errorf("new request's save button reads %q", got)
	}
	hint := p.Doc.Find("#" + save.AttrOr("aria-describedby", "none"))
	if got := spacedText(hint); !strings.Contains(got, "draft") || !strings.Contains(got, "(optional)") {
		t.Errorf("beside Save draft: %q, want what a draft needs", got)
	}

	// The Enter of a complete form (one a save would store): a check,
	// which stores nothing.
	if got := lo.post("/requests/new", withValue(validForm(), "action", first.AttrOr("value", ""))); got.Status == http.StatusSeeOther {
		t.Errorf("Enter in a complete form saved it: %s", got.Header.Get("Location"))
	}
	if n := lo.get("/requests").Doc.Find("tbody tr").Length(); n != 0 {
		t.Errorf("%d requests after Enter in a complete form", n)
	}

	draft := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
	if got := strings.TrimSpace(lo.get("/requests/" + draft + "/edit").Doc.Find(`.actions button[value="save"]`).Text()); got != "Save draft" {
		t.Errorf("a draft's amend form: save button reads %q", got)
	}

	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns := e.client().signIn("hns")
	version := hns.get("/requests/"+id).Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
	requestID(t, hns.post("/requests/"+id+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
		"comment": {"Add the exit crossing."}, "version": {version}}))
	edit := lo.get("/requests/" + id + "/edit")
	wantStatus(t, edit, http.StatusOK)
	if v := edit.Doc.Find(form+` button[type="submit"]`).First().AttrOr("value", ""); v != "dryrun" {
		t.Errorf("the amend form's first submit button sends action %q", v)
	}
	save = edit.Doc.Find(`.actions button[value="save"]`)
	if got := strings.TrimSpace(save.Text()); got != "Save changes" {
		t.Errorf("a returned request's save button reads %q, want Save changes", got)
	}
	if got := spacedText(edit.Doc.Find("#" + save.AttrOr("aria-describedby", "none"))); strings.Contains(got, "draft") || !strings.Contains(got, "(optional)") {
		t.Errorf("beside Save changes: %q", got)
	}
	if got := strings.TrimSpace(edit.Doc.Find(`.actions button[value="submit"]`).Text()); got != "Save and resubmit" {
		t.Errorf("a returned request's submit button reads %q", got)
	}
}
