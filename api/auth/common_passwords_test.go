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
		if !listed(strings.ToLower(pw)) {
			t.Errorf("%q is not found on the list", pw)
		}
	}
	if listed(strings.ToLower("granite lantern harbour")) {
		t.Error("an uncommon password is on the list")
	}
}
