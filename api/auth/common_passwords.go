package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// The 10,000 most common passwords, one a line, most common first: the
// first 10,000 entries of the ranked password list (data/passwords.txt)
// shipped by the Go module github.com/trustelem/zxcvbn v1.0.1 (MIT
// licence, a port of Dropbox's zxcvbn; its list ranks passwords by how
// often they were counted). Regenerate with the command in
// docs/security.md; COMMON_PASSWORDS_NOTICE has the licence.
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

// MinPasswordLen is the shortest password a user may choose.
const MinPasswordLen = 12

// CommonPassword reports whether password is on the list of the 10,000
// most common passwords, ignoring letter case.
func CommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}

// PasswordProblem says what is wrong with a password a user chose, or ""
// when it is acceptable: long enough (in characters), not too long (in
// bytes), not the username, and not one of the most common passwords.
func PasswordProblem(password, username string) string {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return "must be at least 12 characters"
	case len(password) > MaxPasswordLen:
		return "must be at most 1024 bytes"
	case strings.EqualFold(password, username):
		return "must not be the username"
	case CommonPassword(password):
		return "is one of the 10,000 most common passwords; choose another"
	}
	return ""
}
