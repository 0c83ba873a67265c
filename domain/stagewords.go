package domain

// A stage is named for people in words, never by its id alone: what the
// stage is and who decides it, "the intake review by the Swedish Armed
// Forces' host-nation support desk". The notices (RenderNotification), the
// late-decision warning (DecisionAfterStartWarnings) and the console (the
// policy's reasons, the inbox lines written before the notices said it in
// words) all take their words from here, so a stage reads the same
// wherever it is named. The API keeps the ids: they are what a client
// sends back.
//
// What a stage is comes from the stages of the shipped policy
// (policies/default/policy.yaml, docs/policies.md "The default policy");
// who decides it from the approver roles of docs/product.md, "Roles".
// Both are switches, not maps: the notices are rendered on the write path.

// RoleWords is who holds an approver role, in words ("the Ministry of
// Defence"); "" for any other role, which decides no stage.
func RoleWords(r Role) string {
	switch r {
	case RoleHNS:
		return "the Swedish Armed Forces' host-nation support desk"
	case RoleRange:
		return "the Swedish Armed Forces' range and training-area officer"
	case RoleOperations:
		return "the Swedish Armed Forces' headquarters"
	case RoleMinistry:
		return "the Ministry of Defence"
	}
	return ""
}

// stageKnown is what a stage of the shipped policy is, in words, and the
// role that decides it there; ok is false for any other stage id.
func stageKnown(id string) (what string, role Role, ok bool) {
	switch id {
	case "intake":
		return "the intake review", RoleHNS, true
	case "range_safety":
		return "the range safety review", RoleRange, true
	case "operations":
		return "the access decision", RoleOperations, true
	case "ministry":
		return "the Government's decision", RoleMinistry, true
	}
	return "", "", false
}

// StageWords names the stage id decided by role in words, as a noun
// phrase that may stand anywhere in a sentence: "the intake review by the
// Swedish Armed Forces' host-nation support desk". A stage the shipped
// policy does not have (another policy's, or one a policy no longer has),
// or has with another role, is named by its id in quotes and its role in
// words: `stage "survey" by the Swedish Armed Forces' headquarters`. With
// no role in words either, the id in quotes is all there is to say:
// `stage "survey"`. It is never empty.
func StageWords(id string, role Role) string {
	what, known, ok := stageKnown(id)
	if !ok || (role != "" && role != known) {
		what = `stage "` + id + `"`
	}
	if who := RoleWords(role); who != "" {
		return what + " by " + who
	}
	return what
}
