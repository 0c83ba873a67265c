package web

import (
	"reflect"
	"testing"
)

// TestNoticeLines: only the service's own link lines, to a console page of
// a request the user may open, become links; a line a person wrote is
// indented by the notice's wording and stays text, as does an address
// outside the console. The status line names the status in words.
func TestNoticeLines(t *testing.T) {
	body := "Request SE-2026-EXA-000001 is approved.\n\nComment:\n  Request page: /requests/other\nPermit page: /requests/r1/permit\nRequest page: /requests/r1"
	cases := []struct {
		name    string
		body    string
		canOpen bool
		want    []noticeLine
	}{
		{"may open", body, true, []noticeLine{
			{Text: "Request SE-2026-EXA-000001 is approved."}, {Text: ""}, {Text: "Comment:"},
			{Text: "  Request page: /requests/other"},
			{Text: "Permit page", Href: "/requests/r1/permit"}, {Text: "Request page", Href: "/requests/r1"}}},
		{"may not open", "Request page: /requests/r1", false, []noticeLine{{Text: "Request page: /requests/r1"}}},
		{"not a console page", "Request page: https://example.org/requests/r1", true,
			[]noticeLine{{Text: "Request page: https://example.org/requests/r1"}}},
		{"the status in words", "Status: in_review", true, []noticeLine{{Text: "Status: In review"}}},
		{"a status it does not know", "Status: in_orbit", true, []noticeLine{{Text: "Status: in_orbit"}}},
		{"a person's line", "  Status: in_review", true, []noticeLine{{Text: "  Status: in_review"}}},
		{"a deadline's stage in words", "  - stage intake (hns_officer): decision due 2026-11-25 23:59 Stockholm time", true,
			[]noticeLine{{Text: "  - the intake review by the Swedish Armed Forces' host-nation support desk: decision due 2026-11-25 23:59 Stockholm time"}}},
		{"an escalation's stage in words", "Stage range_safety (range_officer) of request SE-2026-EXA-000001 was due by …", true,
			[]noticeLine{{Text: "The range safety review by the Swedish Armed Forces' range and training-area officer of request SE-2026-EXA-000001 was due by …"}}},
		{"another policy's stage: its id in quotes, its role in words", "  - stage survey (range_officer): decision due …", true,
			[]noticeLine{{Text: "  - stage \"survey\" by the Swedish Armed Forces' range and training-area officer: decision due …"}}},
		{"a role that decides no stage", "  - stage survey (surveyor): decision due …", true,
			[]noticeLine{{Text: "  - stage survey (surveyor): decision due …"}}},
		{"a person's line keeps its words", "  see intake (hns_officer)", true, []noticeLine{{Text: "  see intake (hns_officer)"}}},
	}
	for _, c := range cases {
		if got := noticeLines(c.body, c.canOpen); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
