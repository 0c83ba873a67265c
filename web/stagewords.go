package web

import (
	"regexp"
	"strings"

	"exaccess/domain"
)

// The policy's route reasons ("range_safety (range_officer): live fire
// …") name a stage by its id and role code, as the API keeps them, and so
// do the lines of notifications written before the service named stages
// in words ("stage intake (hns_officer): decision due …"). The console
// names a stage as the notices now do, in the domain's words
// (domain.StageWords: "the range safety review by the Swedish Armed
// Forces' range and training-area officer"), so stageWords rewrites them
// for the page.

// stageAndRole is a stage id with its role code in brackets, after an
// optional "stage ".
var stageAndRole = regexp.MustCompile(`\b([Ss]tage )?([a-z][a-z0-9_]*) \(([a-z_]+)\)`)

// stageWords rewrites each "id (role)" of s, with the "stage " before it,
// whose role decides stages into the domain's words for the stage,
// capitalised where it starts s or a sentence ("Stage range_safety
// (range_officer) of request …" reads "The range safety review by … of
// request …"). Anything else is left as it is.
func stageWords(s string) string {
	matches := stageAndRole.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		role := domain.Role(s[m[6]:m[7]])
		if domain.RoleWords(role) == "" {
			continue
		}
		b.WriteString(s[last:m[0]])
		words := domain.StageWords(s[m[4]:m[5]], role)
		if sentenceStart(s[:m[0]]) {
			words = strings.ToUpper(words[:1]) + words[1:]
		}
		b.WriteString(words)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// sentenceStart reports whether what follows before starts a sentence:
// before is empty, or ends a sentence.
func sentenceStart(before string) bool {
	before = strings.TrimRight(before, " ")
	return before == "" || strings.HasSuffix(before, ".")
}
