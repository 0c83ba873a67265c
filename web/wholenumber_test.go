package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"exaccess/domain"
)

// TestWholeNumberOutOfRange: a whole number too large (or too small) for
// the server to hold is refused as any number past the bound is, "must be
// at most 1000000" ("must be at least …"), never "must be a whole number",
// on every form field that takes one: the request's counts, a framework
// agreement's personnel ceiling, a training area's capacity.
func TestWholeNumberOutOfRange(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo, admin := e.client().signIn("lo-no"), e.client().signIn("admin")
	atMost := "must be at most " + strconv.Itoa(domain.MaxCount)
	cases := []struct{ typed, want string }{
		{"2147483648", atMost},
		{"99999999999999999999", atMost},
		{"+99999999999999999999", atMost},
		{"-99999999999999999999", "must be at least "},
	}
	fields := []string{"personnel.military", "personnel.civilian", "personnel.contractors", "vehicles[0].count",
		"aircraft[0].count", "vessels[0].crew"}
	for _, c := range cases {
		f := validForm()
		f.Set("aircraft[0].type", "C-130")
		f.Set("vessels[0].name", "KNM Thor")
		f.Set("vessels[0].kind", "warship")
		for _, name := range fields {
			f.Set(name, c.typed)
		}
		p := lo.post("/requests/new", withValue(f, "action", "dryrun"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		for _, name := range fields {
			wantTiedError(t, p, "#"+fieldID(name), c.want)
		}

		edit := admin.get("/admin/areas/ravlunda")
		version := edit.Doc.Find(`input[name="version"]`).AttrOr("value", "")
		area := admin.post("/admin/areas/ravlunda", url.Values{"version": {version}, "capacity_personnel": {c.typed}})
		wantStatus(t, area, http.StatusUnprocessableEntity)
		wantTiedError(t, area, "#"+fieldID("capacity_personnel"), c.want)

		fw := admin.post("/admin/frameworks/new", url.Values{"nation": {"NO"}, "name": {"Nordic"}, "reference": {"FA-NO-2027"},
			"valid_from": {"2027-01-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {c.typed},
			"training_areas": {"ravlunda"}, "entry_points": {"storlien"}})
		wantStatus(t, fw, http.StatusUnprocessableEntity)
		wantTiedError(t, fw, "#"+fieldID("personnel_ceiling"), c.want)
	}
}
