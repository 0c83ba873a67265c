package auth

import (
	"strings"
	"testing"
)

func TestCommonPasswordList(t *testing.T) {
	if n := len(commonPasswords()); n != 10000 {
		t.Fatalf("the list holds %d distinct passwords, want 10000", n)
	}
	for _, pw := range []string{"123456", "password", "QWERTY", "qwerty123456", "1qaz2wsx3edc"} {
		if !CommonPassword(pw) {
			t.Errorf("%q is not found on the list", pw)
		}
	}
	if CommonPassword("granite lantern harbour") {
		t.Error("an uncommon password is on the list")
	}
}

func TestPasswordProblem(t *testing.T) {
	for _, tc := range []struct {
		password, username string
		ok                 bool
	}{
		{"granite lantern harbour", "ops", true},
		{"short", "ops", false},
		{"ÅÄÖåäöÅÄÖåäö", "ops", true}, // twelve characters, more bytes
		{"ÅÄÖåäöÅÄÖåä", "ops", false}, // eleven characters
		{"qwerty123456", "ops", false},
		{"operations.approver", "operations.approver", false},
		{strings.Repeat("x", MaxPasswordLen+1), "ops", false},
	} {
		if got := PasswordProblem(tc.password, tc.username); (got == "") != tc.ok {
			t.Errorf("PasswordProblem(%q) = %q, want ok=%v", tc.password, got, tc.ok)
		}
	}
}
