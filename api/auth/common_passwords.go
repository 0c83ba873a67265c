package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// The 10,000 most common passwords, one a line, most common first: the
// first 10,000 entries of the ranked password list (data/passwords.txt)
// shipped by the Go module github.com/trustelem/zxcvbn v1.0.1 (MIT
// licence, a port of Dropbox's zxcvbn; its list ranks passwords by how
// often they were counted). Regenerate with the command in
// docs/security.md; COMMON_PASSWORDS_NOTICE has the licence.
//
// Only a few dozen entries are 12 characters or longer, so on its own the
// list hardly ever refuses a password of the minimum length; PasswordProblem
// therefore also looks for an entry with digits or symbols around it
// (password_policy.go).
//
//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	for line := range strings.SplitSeq(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m[line] = struct{}{}
		}
	}
	return m
})

// listed reports whether an already lower-cased string is on the list.
func listed(lower string) bool {
	_, ok := commonPasswords()[lower]
	return ok
}
