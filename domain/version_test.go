package domain

import (
	"errors"
	"testing"
)

// TestCheckVersion: the same version passes; an older one says what changed;
// a newer one says it never existed.
func TestCheckVersion(t *testing.T) {
	tests := []struct {
		sent, stored int
		want         string
	}{
		{3, 3, ""},
		{2, 3, "the request has changed since version 2; it is now at version 3"},
		{5, 3, "the request is at version 3; it has never been at version 5"},
	}
	for _, tc := range tests {
		err := checkVersion("request", tc.sent, tc.stored)
		var de *Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%d vs %d: %v", tc.sent, tc.stored, err)
		case tc.want != "" && (!errors.As(err, &de) || de.Code != CodePreconditionFailed || de.Message != tc.want):
			t.Errorf("%d vs %d: %v, want 412 %q", tc.sent, tc.stored, err, tc.want)
		}
	}
}
