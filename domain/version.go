package domain

// checkVersion is the If-Match check of every change to a versioned thing
// (a request, a framework agreement, a training area): what names it in the
// message, sent is the version the caller read, stored the current one. A
// caller who sent an older version is told what changed; one who sent a
// version that never existed is told so, not that something "changed since".
func checkVersion(what string, sent, stored int) error {
	switch {
	case sent == stored:
		return nil
	case sent < stored:
		return Errorf(CodePreconditionFailed, "the %s has changed since version %d; it is now at version %d", what, sent, stored)
	}
	return Errorf(CodePreconditionFailed, "the %s is at version %d; it has never been at version %d", what, stored, sent)
}
