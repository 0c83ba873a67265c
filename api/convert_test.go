package api

import (
	"strings"
	"testing"

	"exaccess/domain"
)

// TestMovementNoticeForEveryStatus: every status says unmistakably whether
// the unit may move; a status added to the lifecycle without its words fails
// here instead of producing "this request is ;".
func TestMovementNoticeForEveryStatus(t *testing.T) {
	for _, st := range domain.AllStatuses {
		authorized, notice := movementStatus(&domain.Request{Status: st})
		wantPrefix := "NOT AUTHORIZED: this request is " + statusWords[st] + ";"
		if st == domain.StatusApproved {
			wantPrefix = "AUTHORIZED:"
		}
		if authorized != (st == domain.StatusApproved) || !strings.HasPrefix(notice, wantPrefix) {
			t.Errorf("%s: authorized=%v notice=%q", st, authorized, notice)
		}
		if st != domain.StatusApproved && statusWords[st] == "" {
			t.Errorf("%s has no words for the movement notice", st)
		}
	}
}
