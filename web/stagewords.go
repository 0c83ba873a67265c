package web

import "regexp"

// The policy's route reasons ("range_safety (range_officer): live fire
// …") and the notifications' lines ("stage intake (hns_officer): decision
// due …") name a stage by its id and role code, as the API and e-mail
// keep them. The console names a stage by its role's words, as its route
// list does ("Range safety"), so stageWords rewrites them for the page.

// stageAndRole is a stage id with its role code in brackets, after an
// optional "stage ".
var stageAndRole = regexp.MustCompile(`\b([Ss]tage )?([a-z][a-z0-9_]*) \(([a-z_]+)\)`)

// stageWords rewrites each "id (role)" of s whose role the console has
// words for: "Range safety", or "Range safety stage" where the text said
// "stage range_safety (range_officer)". Anything else is left as it is.
func stageWords(s string) string {
	return stageAndRole.ReplaceAllStringFunc(s, func(m string) string {
		g := stageAndRole.FindStringSubmatch(m)
		words, ok := english["role."+g[3]]
		if !ok {
			return m
		}
		if g[1] != "" {
			return words + " stage"
		}
		return words
	})
}
