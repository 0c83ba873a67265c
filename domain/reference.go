package domain

import (
	"strings"
	"time"
)

// Nation is an EU or NATO member state (or a partner treated like one) with
// its membership intervals. Eligibility is judged on dates, not flags.
type Nation struct {
	Code      string // ISO 3166-1 alpha-2
	Alpha3    string
	Name      string
	EUFrom    *time.Time
	EUUntil   *time.Time // exclusive: the day membership ended
	NATOFrom  *time.Time
	NATOUntil *time.Time
	Notes     string
}

// EUMemberOn reports whether the nation was an EU member on day d.
func (n Nation) EUMemberOn(d time.Time) bool { return within(d, n.EUFrom, n.EUUntil) }

// NATOMemberOn reports whether the nation was a NATO member on day d.
func (n Nation) NATOMemberOn(d time.Time) bool { return within(d, n.NATOFrom, n.NATOUntil) }

func within(d time.Time, from, until *time.Time) bool {
	if from == nil || d.Before(*from) {
		return false
	}
	return until == nil || d.Before(*until)
}

// HostNation is the ISO code of Sweden, the host nation: the access
// framework covers foreign units only, so no liaison officer is bound to
// it and no framework agreement is made with it (the reference data's
// notes mark it "host nation"); the default policy's member_state rule
// refuses it too.
const HostNation = "SE"

// HostNationRefusal is the error of a liaison officer's or framework
// agreement's nation that is the host nation.
const HostNationRefusal = "Sweden is the host nation; its units need no access permit"

// nationAliases are the codes EU documents use instead of ISO 3166-1.
var nationAliases = map[string]string{"EL": "GR", "UK": "GB"}

// NormalizeNation turns input like "el" or " UK " into the ISO code ("GR", "GB").
func NormalizeNation(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	if iso, ok := nationAliases[c]; ok {
		return iso
	}
	return c
}

// TrainingArea is a Swedish training area or range.
type TrainingArea struct {
	Code              string
	Name              string
	Near              string
	County            string
	Lat, Lon          float64
	ResponsibleUnit   string
	CapacityPersonnel int
	Notes             string
	BlackoutDays      []time.Time // days on which nobody may use the area
	Version           int         // increases with every administrator's edit
}

// EntryPoint is a border crossing, port or airport used for military movement.
type EntryPoint struct {
	Code       string
	Name       string
	Mode       string
	Identifier string
	Neighbour  string
	Notes      string
}

// NationLookup finds nations by ISO code.
type NationLookup interface {
	Nation(code string) (Nation, bool)
}

// Reference is the reference data a request is checked against.
type Reference interface {
	NationLookup
	TrainingArea(code string) (TrainingArea, bool)
	EntryPoint(code string) (EntryPoint, bool)
}

// ReferenceData is an in-memory Reference, loaded from storage at start.
type ReferenceData struct {
	Nations       []Nation
	TrainingAreas []TrainingArea
	EntryPoints   []EntryPoint

	nations map[string]Nation
	areas   map[string]TrainingArea
	points  map[string]EntryPoint
}

// NewReferenceData indexes the given lists.
func NewReferenceData(nations []Nation, areas []TrainingArea, points []EntryPoint) *ReferenceData {
	r := &ReferenceData{Nations: nations, TrainingAreas: areas, EntryPoints: points,
		nations: map[string]Nation{}, areas: map[string]TrainingArea{}, points: map[string]EntryPoint{}}
	for _, n := range nations {
		r.nations[n.Code] = n
	}
	for _, a := range areas {
		r.areas[a.Code] = a
	}
	for _, p := range points {
		r.points[p.Code] = p
	}
	return r
}

// Nation looks up a nation by ISO code or alias.
func (r *ReferenceData) Nation(code string) (Nation, bool) {
	n, ok := r.nations[NormalizeNation(code)]
	return n, ok
}

// TrainingArea looks up a training area by code.
func (r *ReferenceData) TrainingArea(code string) (TrainingArea, bool) {
	a, ok := r.areas[code]
	return a, ok
}

// EntryPoint looks up an entry point by code.
func (r *ReferenceData) EntryPoint(code string) (EntryPoint, bool) {
	p, ok := r.points[code]
	return p, ok
}
