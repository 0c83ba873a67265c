package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"exaccess/domain"
)

// MinPasswordLen is the shortest password a user may choose.
const MinPasswordLen = 12

// minCore is the shortest core a password may have: what is left when the
// digits, symbols and spaces at both of its ends are stripped, so from its
// first letter to its last. A shorter core means digits and symbols around
// a short word or none ("tom19850317!", "2026-05-17 13:45"), the passwords
// people make of dates, telephone numbers and PINs; a random string holds
// its letters spread out and passes.
const minCore = 4

// minContextLen is the shortest username, or part of one, that a password
// may not contain: shorter ones ("ops", "lo") occur inside too many words.
// The same holds for the parts of an e-mail address.
const minContextLen = 4

// maxEmailLen is the longest e-mail address an account may have; a longer
// one is not looked at, which keeps the checks linear.
const maxEmailLen = domain.MaxEmailLen

// productNames are the names of this service, folded (lower case, letters
// and digits only): the first words an attacker tries against it.
var productNames = []string{"exaccess", "exerciseaccess"}

// Messages of PasswordProblem. They follow "the password" (the API's field
// new_password, the console's form, the command line's error).
const (
	msgTooShort    = "must be at least 12 characters"
	msgTooLong     = "must be at most 1024 bytes"
	msgUsername    = "must not contain the username or a part of it"
	msgEmail       = "must not contain the e-mail address or a part of it"
	msgProduct     = "must not contain the name of this service (Exercise Access, exaccess)"
	msgCommon      = "is one of the 10,000 most common passwords; choose another"
	msgRepeated    = "is one group of characters repeated"
	msgSequence    = "is a keyboard pattern or a run of consecutive or repeated characters"
	msgShortCore   = "is mostly digits and symbols (fewer than 4 characters from its first letter to its last)"
	msgCommonAdded = "is a common password with digits or symbols added"
	msgLookAlike   = "is a common password with look-alike digits or symbols for letters"
	suffixAdded    = " with digits or symbols added"
)

// PasswordProblem says what is wrong with a password a user chose, or ""
// when it is acceptable. In the spirit of NIST SP 800-63B section 5.1.1.2
// it asks for length and refuses what an attacker tries first: common
// passwords, common ones dressed up, repetitions and sequences, and the
// account's and the service's names; there are no composition rules. The
// checks, in this order and all ignoring letter case, are:
//
//  1. at least MinPasswordLen characters, at most MaxPasswordLen bytes;
//  2. not mentioning the username, nor a part of it between punctuation,
//     of 4 or more characters; nor the account's e-mail address (see
//     containsEmail); nor the service's name (see mentions);
//  3. not on the list of the 10,000 most common passwords;
//  4. not one group of characters written twice or more (see repeated),
//     and not a sequence (see pattern);
//  5. a core (see minCore) of at least 4 characters;
//  6. the core not on the list, nor the password once look-alike digits
//     and symbols are read as letters (see lookAlikeListed), nor the core
//     a repetition or a sequence.
//
// email is the account's e-mail address, "" when it has none. Every check
// is linear in the length of the password (usernames are at most 64
// characters and addresses 254, so matching them and their parts is too).
func PasswordProblem(password, username, email string) string {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return msgTooShort
	case len(password) > MaxPasswordLen:
		return msgTooLong
	}
	lower := strings.ToLower(password)
	w := splitWords(lower)
	if w.containsContext(strings.ToLower(username)) {
		return msgUsername
	}
	if w.containsEmail(strings.ToLower(email)) {
		return msgEmail
	}
	for _, name := range productNames {
		if w.mentions(name) {
			return msgProduct
		}
	}
	if listed(lower) {
		return msgCommon
	}
	if msg := shapeProblem([]rune(lower)); msg != "" {
		return msg
	}
	core := strings.TrimFunc(lower, notLetter)
	if utf8.RuneCountInString(core) < minCore {
		return msgShortCore
	}
	if core != lower && listed(core) {
		return msgCommonAdded
	}
	if lookAlikeListed(lower) {
		return msgLookAlike
	}
	if core != lower {
		if msg := shapeProblem([]rune(core)); msg != "" {
			return msg + suffixAdded
		}
	}
	return ""
}

// shapeProblem names a repetition or a sequence, or returns "".
func shapeProblem(r []rune) string {
	switch {
	case repeated(r):
		return msgRepeated
	case pattern(r):
		return msgSequence
	}
	return ""
}

// Look-alike characters read as the letters they stand for. A "1" or "!"
// is an i or an l, so both readings are looked up.
var (
	unLeetI = strings.NewReplacer("4", "a", "@", "a", "8", "b", "3", "e", "1", "i", "!", "i",
		"0", "o", "5", "s", "$", "s", "7", "t", "+", "t")
	unLeetL = strings.NewReplacer("4", "a", "@", "a", "8", "b", "3", "e", "1", "l", "!", "l",
		"0", "o", "5", "s", "$", "s", "7", "t", "+", "t")
)

// lookAlikeListed reports whether the password, with its look-alike
// characters read as letters, is a list entry with digits or symbols
// around it. The digits at an end may be part of the word ("5unsh1ne") or
// added ("sunsh1ne2026"), so it is read three ways: with the digits and
// symbols at both ends stripped first, only those at the end, only those
// at the start.
func lookAlikeListed(lower string) bool {
	if !strings.ContainsAny(lower, "48@31!05$7+") {
		return false
	}
	for _, s := range []string{
		strings.TrimFunc(lower, notLetter),
		strings.TrimRightFunc(lower, notLetter),
		strings.TrimLeftFunc(lower, notLetter),
	} {
		if listed(strings.TrimFunc(unLeetI.Replace(s), notLetter)) ||
			strings.ContainsAny(s, "1!") && listed(strings.TrimFunc(unLeetL.Replace(s), notLetter)) {
			return true
		}
	}
	return false
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

func notLetterOrDigit(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// words is a lower-cased password split into its words (runs of letters
// and digits), and the same words joined without what separated them.
type words struct {
	list   []string
	joined string
	starts []int // where each word starts in joined
}

func splitWords(lower string) words {
	var w words
	var b strings.Builder
	for word := range strings.FieldsFuncSeq(lower, notLetterOrDigit) {
		w.list = append(w.list, word)
		w.starts = append(w.starts, b.Len())
		b.WriteString(word)
	}
	w.joined = b.String()
	return w
}

// mentions reports whether name (folded: lower case, letters and digits)
// occurs inside one word of the password, or across words when it starts
// at the start of one: "exaccess", "MyExaccess1", "Exercise-Access" and
// "ex access" mention exaccess; "complex access" does not.
func (w words) mentions(name string) bool {
	for i, word := range w.list {
		if strings.Contains(word, name) || strings.HasPrefix(w.joined[w.starts[i]:], name) {
			return true
		}
	}
	return false
}

// containsContext reports whether the password mentions the username, or a
// part of it between punctuation ("approver" of "operations.approver"),
// when that is at least minContextLen characters long.
func (w words) containsContext(username string) bool {
	u := splitWords(username)
	if utf8.RuneCountInString(u.joined) >= minContextLen && w.mentions(u.joined) {
		return true
	}
	for _, part := range u.list {
		if utf8.RuneCountInString(part) >= minContextLen && w.mentions(part) {
			return true
		}
	}
	return false
}

// containsEmail reports whether the password mentions the local part of the
// e-mail address or a part of it between punctuation (as containsContext
// for a username: "anna.berg", "anna" and "berg" of
// anna.berg@forsvarsmakten.se; "." "_" "-" and "+" are punctuation), or the
// first label of its domain ("forsvarsmakten"), each when it is at least
// minContextLen characters long.
func (w words) containsEmail(email string) bool {
	if email == "" || len(email) > maxEmailLen {
		return false
	}
	local, domain := email, ""
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		local, domain = email[:at], email[at+1:]
	}
	if w.containsContext(local) {
		return true
	}
	label, _, _ := strings.Cut(domain, ".")
	folded := splitWords(label).joined
	return utf8.RuneCountInString(folded) >= minContextLen && w.mentions(folded)
}
