package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPasswordProblemRefuses: each weak password is refused for its own
// reason, the message the user reads.
func TestPasswordProblemRefuses(t *testing.T) {
	for _, tc := range []struct{ password, username, want string }{
		// length
		{"short", "ops", msgTooShort},
		{"ÅÄÖåäöÆØæøÐ", "ops", msgTooShort}, // eleven characters, more bytes
		{strings.Repeat("x", MaxPasswordLen+1), "ops", msgTooLong},

		// the account's and the service's names
		{"operations.approver", "operations.approver", msgUsername},
		{"Operations.Approver2026", "operations.approver", msgUsername},
		{"my approver password", "operations.approver", msgUsername}, // a part of the username
		{"LO-NO fjord 2026 spring", "lo-no", msgUsername},            // the whole, without its hyphen
		{"summer-Admin-Duties", "admin", msgUsername},
		{"exaccess2026!", "ops", msgProduct},
		{"MyExAccessPassword", "ops", msgProduct},
		{"Exercise Access 2026", "ops", msgProduct},
		{"exercise-access-rocks", "ops", msgProduct},

		// on the list as it stands
		{"qwerty123456", "ops", msgCommon},
		{"QWERTY123456", "ops", msgCommon},
		{"1qaz2wsx3edc", "ops", msgCommon},
		{"administrator", "ops", msgCommon},

		// repetitions
		{"aaaaaaaaaaaa", "ops", msgRepeated},
		{"abcabcabcabc", "ops", msgRepeated},
		{"AbcABCabcAbc", "ops", msgRepeated},
		{"121212121212", "ops", msgRepeated},
		{"abcabcabcabca", "ops", msgRepeated}, // the last copy cut short
		{"ÅÄÖåäöÅÄÖåäö", "ops", msgRepeated},  // twelve characters, but three repeated
		{"passwordpassword", "ops", msgRepeated},
		{"Summer2026Summer2026", "ops", msgRepeated},
		{"abc abc abc abc ", "ops", msgRepeated},

		// sequences and keyboard walks
		{"123456789012", "ops", msgSequence},
		{"abcdefghijkl", "ops", msgSequence},
		{"ABCDEFGHIJKLM", "ops", msgSequence},
		{"zyxwvutsrqpo", "ops", msgSequence},
		{"xyzabcdefghi", "ops", msgSequence}, // round the end of the alphabet
		{"qwertyuiopas", "ops", msgSequence}, // off the end of the top row
		{"poiuytrewqlk", "ops", msgSequence},
		{"asdfghjkl;'z", "ops", msgSequence},
		{"1qaz2wsx3edc4rfv5", "ops", msgSequence},
		{"qazwsxedcrfvt", "ops", msgSequence},
		{"qwertzuiopüa", "ops", msgSequence}, // German
		{"azertyuiopqs", "ops", msgSequence}, // French
		{"asdfghjklöäz", "ops", msgSequence}, // Swedish
		{"aaaa1234bbbb", "ops", msgSequence}, // three runs
		{"qwertyasdfgh", "ops", msgSequence}, // two rows
		{"!@#$%^&*()_+", "ops", msgSequence}, // the symbols of the number row
		{"789456123789", "ops", msgSequence}, // the numeric keypad
		{"!!qwertyuiopas!!", "ops", msgSequence},

		// digits and symbols around a short word or none
		{"739184620573", "ops", msgShortCore},
		{"2026-05-17 13:45", "ops", msgShortCore},
		{"+46 70 123 45 67", "ops", msgShortCore},
		{"tom19850317!", "ops", msgShortCore},
		{"19850317-Eva", "ops", msgShortCore},
		{"ab7391846205", "ops", msgShortCore},
		{"12a4b6789012", "ops", msgShortCore}, // "a4b": 3 characters from the first letter to the last

		// a common password with digits or symbols around it
		{"p@ssw0rd2026", "ops", msgCommonAdded}, // p@ssw0rd is on the list
		{"password1234", "ops", msgCommonAdded},
		{"Password1234", "ops", msgCommonAdded},
		{"!!qwerty2026!!", "ops", msgCommonAdded},
		{"2026dragon!!!", "ops", msgCommonAdded},
		{"Sunshine#2026", "ops", msgCommonAdded},
		{"  letmein  12345", "ops", msgCommonAdded},
		{"iloveyou.2026", "ops", msgCommonAdded},
		{"football-1234", "ops", msgCommonAdded},

		// look-alike characters
		{"M0nk3y!20262026", "ops", msgLookAlike},
		{"5unsh1ne-2026", "ops", msgLookAlike},
		{"B4seb4ll#1234", "ops", msgLookAlike},
		{"p@55w0rd!!!!", "ops", msgLookAlike},
		{"l3tm31n12345", "ops", msgLookAlike},
		{"2026Dr4g0n!!", "ops", msgLookAlike},

		// a repetition or a sequence with digits or symbols around it
		{"2026abcdefgh!", "ops", msgSequence + suffixAdded},
		{"1hellohello1", "ops", msgRepeated + suffixAdded},
		{"2026!lkjhgfdsa!", "ops", msgSequence + suffixAdded},
		{"2026-abab-abab-abab", "ops", msgRepeated + suffixAdded},
	} {
		if got := PasswordProblem(tc.password, tc.username, ""); got != tc.want {
			t.Errorf("PasswordProblem(%q, %q) = %q, want %q", tc.password, tc.username, got, tc.want)
		}
	}
}

// TestPasswordProblemEmail: the account's e-mail address is a context
// word like the username: its local part, each part of it between
// punctuation and the first label of its domain, when 4 characters or
// longer, are refused wherever they stand in the password; shorter ones,
// and a password of an account without an address, pass.
func TestPasswordProblemEmail(t *testing.T) {
	const anna = "anna.berg@forsvarsmakten.se"
	for _, tc := range []struct{ password, username, email, want string }{
		{"anna.berg spring 2027", "lo-se", anna, msgEmail},                     // the local part
		{"AnnaBerg!exercise-27", "lo-se", anna, msgEmail},                      // without its dot, another case
		{"my berg lantern harbour", "lo-se", anna, msgEmail},                   // a part of it
		{"granite ANNA lantern", "lo-se", anna, msgEmail},                      // the other part
		{"Forsvarsmakten rocks 27", "lo-se", anna, msgEmail},                   // the domain's first label
		{"go-forsvars-makten-go", "lo-se", anna, msgEmail},                     // across words, from a word's start
		{"north-exercises winter", "lo-se", "anna+exercises@mil.se", msgEmail}, // after a plus
		{"svensson family trip 27", "ops", "per_olof_svensson@example.org", msgEmail},
		{"olof at the harbour 27", "ops", "per-olof@example.org", msgEmail},
		{"the per olof lantern", "ops", "per.olof@ex.se", msgEmail}, // "perolof", though each part is short
		{"NATO exercise tent 27", "ops", "anna@nato.int", msgEmail},
		{"kiruna-FM granite 27", "ops", "ops@kiruna-fm.se", msgEmail}, // the label without its hyphen
		// the username comes first, then the address, then the service's name
		{"anna.berg spring 2027", "anna.berg", anna, msgUsername},
		{"exaccess admin lantern", "ops", "exaccess-admin@example.org", msgEmail},
		{"exaccess lantern harbour", "ops", anna, msgProduct},
	} {
		if got := PasswordProblem(tc.password, tc.username, tc.email); got != tc.want {
			t.Errorf("PasswordProblem(%q, %q, %q) = %q, want %q", tc.password, tc.username, tc.email, got, tc.want)
		}
	}
	for _, tc := range []struct{ password, username, email string }{
		{"granite lantern harbour", "lo-se", anna},
		{"bokhylla vid ekarna 27", "ops", "bo.ek@fm.se"},                            // "boek" never stands as such
		{"lo fm radio station 27", "ops", "lo@fm.se"},                               // all shorter than 4
		{"a lantern by the fjord", "ops", "al@mail.fjord.no"},                       // "fjord" is the second label
		{"kiruna-ops granite 27", "ops", "ops@kiruna-fm.se"},                        // "kiruna" alone is not the label
		{"mail me a long lantern", "ops", ""},                                       // no address
		{"berg lantern harbour 27", "ops", strings.Repeat("b", 250) + ".berg@x.se"}, // too long to be an account's
	} {
		if got := PasswordProblem(tc.password, tc.username, tc.email); got != "" {
			t.Errorf("PasswordProblem(%q, %q, %q) = %q, want it accepted", tc.password, tc.username, tc.email, got)
		}
	}
}

// TestPasswordProblemAccepts: long passphrases, random strings and
// passwords in other alphabets pass, and so do the passwords the tests and
// the documentation use.
func TestPasswordProblemAccepts(t *testing.T) {
	for _, tc := range []struct{ password, username string }{
		{"correct horse battery staple", "ops"},
		{"correct horse battery", "ops"}, // internal/apptest's Password
		{"granite lantern harbour", "ops-new"},
		{"Tälttåg-i-Boden-2027", "lo-se"},
		{"ÅÄÖÆØĲŒÐÞßÇÑ", "ops"}, // twelve characters, more bytes
		{"Хорошийпароль", "ops"},
		{"kQ9!xP2@mW4$zR7#", "ops"},
		{"T7v#Qm2pLw9x", "ops"},
		{"hJ3kL9pQ2wEr", "ops"},
		{"8fN2qZ0rVb6t", "ops"},
		{"7301d8942f61", "ops"},             // hexadecimal, its letters spread out
		{"ab1234567!x9", "ops"},             // the core "ab1234567!x"
		{"a long enough password", "lo-fi"}, // cmd/exaccess's tests
		{"my own new password", "ops"},
		{"a brand new passphrase", "hns"},
		{"one-time secret 4711", "ops"},
		{"a-long-and-secret-passphrase", "admin"}, // docs/operations.md
		{"a-long-officer-password", "lo-no"},
		{"complex access rules", "ops"}, // "ex access" inside "complex access" is not the service's name
		{"badminton at the lake", "lo-no"},
		{"password is not enough", "ops"}, // a common word inside a passphrase
		{"qwerty is a keyboard layout", "ops"},
		{"Ravlunda skjutfält 2026!", "lo-se"},
		{"zebra-quokka-walrus-7", "ops"},
		{"Pass phrase with 1 digit", "ops"},
		{"abcd ef-gh ij kl ab", "ops"}, // short runs, not a single pattern
	} {
		if got := PasswordProblem(tc.password, tc.username, ""); got != "" {
			t.Errorf("PasswordProblem(%q, %q) = %q, want it accepted", tc.password, tc.username, got)
		}
	}
}

// FuzzPasswordProblem: no input panics, and an accepted password is long
// enough, not on the list, not the username, and neither the e-mail
// address nor its local part when that has 4 letters or digits. Run with:
// go test ./api/auth -run '^$' -fuzz '^FuzzPasswordProblem$' -fuzztime 10s
func FuzzPasswordProblem(f *testing.F) {
	for _, s := range []string{"password1234", "correct horse battery staple", "Tälttåg-i-Boden-2027",
		"1qaz2wsx3edc", "abcabcabcabc", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4", "İİİİİİİİİİİİ",
		"anna.berg@forsvarsmakten.se", "Anna_Berg-2027"} {
		f.Add(s, "lo-no", "anna.berg@forsvarsmakten.se")
	}
	f.Fuzz(func(t *testing.T, password, username, email string) {
		if PasswordProblem(password, username, email) != "" {
			return
		}
		if len([]rune(password)) < MinPasswordLen || len(password) > MaxPasswordLen || listed(strings.ToLower(password)) ||
			strings.EqualFold(password, username) {
			t.Fatalf("PasswordProblem(%q, %q, %q) accepted it", password, username, email)
		}
		lower, local := strings.ToLower(password), strings.ToLower(email)
		if at := strings.LastIndexByte(local, '@'); at >= 0 {
			local = local[:at]
		}
		if len(email) <= maxEmailLen && utf8.RuneCountInString(splitWords(local).joined) >= minContextLen &&
			(lower == strings.ToLower(email) || lower == local) {
			t.Fatalf("PasswordProblem(%q, %q, %q) accepted the address or its local part", password, username, email)
		}
	})
}
