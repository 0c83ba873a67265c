package domain

import (
	"context"
	"fmt"
	"strings"
)

// The fast track is taken at submission, when the request fits a valid
// framework agreement; the agreement may change while the request is in
// review (suspended, its validity shortened, moved to another nation, its
// envelope narrowed). The reviews the fast track left out were settled by
// the agreement alone, so a request it no longer covers is not approved on
// the fast track: its final approval is refused until an approver requests
// changes and the resubmission is routed again.

// CodeFrameworkNotApplicable refuses the final approval of a request whose
// route took the fast track on a framework agreement that no longer covers
// it. It is a 409.
const CodeFrameworkNotApplicable = "framework_not_applicable"

// frameworkLapse is the framework agreement r's route took the fast track
// on, with the reasons it no longer covers r, by the rule of submission on
// the agreement as it is now (Fit), naming areas and entry points as ref
// names them, as the submission's warning does (fitNamed); no reasons when
// r's route did not take the fast track, r names no agreement, or the
// agreement still covers it. get reads the agreement from the store or
// the transaction.
func frameworkLapse(get func(id string) (*Framework, error), ref Reference, r *Request) (*Framework, []string, error) {
	if r.Route == nil || !r.Route.FastTrack || r.FrameworkID == "" {
		return nil, nil, nil
	}
	f, err := get(r.FrameworkID)
	if ErrorCode(err) == CodeNotFound {
		return nil, []string{"the framework agreement was not found"}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if fits, why := fitNamed(f, r.Nation, r.Details, ref); !fits {
		return f, why, nil
	}
	return f, nil, nil
}

// lapseName names the agreement of a lapse by its reference, or by the id
// the request names when it was not found.
func lapseName(f *Framework, r *Request) string {
	if f != nil {
		return f.Reference
	}
	return r.FrameworkID
}

// checkFrameworkStillFits refuses (framework_not_applicable) the final
// approval of r when its route took the fast track on an agreement that no
// longer covers it (frameworkLapse). It reads the agreement with its
// shared lock (Tx.GetFramework), before the training areas': a change of
// the agreement under way is waited for and read, and one begun after
// waits for the approval, and finds the request no longer in review.
func checkFrameworkStillFits(tx Tx, ref Reference, r *Request) error {
	f, why, err := frameworkLapse(tx.GetFramework, ref, r)
	if err != nil || len(why) == 0 {
		return err
	}
	return Errorf(CodeFrameworkNotApplicable,
		"the request took the fast track on framework agreement %s, which no longer covers it: %s; "+
			"it cannot be approved on the fast track: request changes: its resubmission is routed again, on the fast track only if the agreement covers it then",
		lapseName(f, r), strings.Join(why, "; "))
}

// FrameworkLapseWarning tells approvers that the agreement a request in
// review took the fast track on no longer covers it, and that its final
// approval will be refused until changes are requested and it is
// resubmitted. Its code is the refusal's.
func FrameworkLapseWarning(name string, reasons []string) Warning {
	return Warning{Code: CodeFrameworkNotApplicable, Audience: AudienceApprovers, Message: fmt.Sprintf(
		"framework agreement %s, on which the request took the fast track, no longer covers it: %s; "+
			"its final approval will be refused until changes are requested and it is resubmitted",
		name, strings.Join(reasons, "; "))}
}

// LapseWarning is the FrameworkLapseWarning r carries, if any: read by
// GetRequest for a request in review on the fast track, not stored.
func LapseWarning(r *Request) (Warning, bool) {
	if r.Route == nil || !r.Route.FastTrack {
		return Warning{}, false // a stored framework_not_applicable is never on a fast-track route (frameworkWarnings)
	}
	for i := len(r.Warnings) - 1; i >= 0; i-- {
		if r.Warnings[i].Code == CodeFrameworkNotApplicable {
			return r.Warnings[i], true
		}
	}
	return Warning{}, false
}

// LapseChecked reports whether what p reads of r depends on the framework
// agreement r names as it is now, not only on r's version: p is not a
// liaison officer, and r is in review on a route that took the fast track
// on an agreement (addLapseWarning checks it again at every read). An
// agreement suspended and restored between two reads changes the answer
// while r's version stays, so such a read is never answered "not
// modified".
func LapseChecked(p Principal, r *Request) bool {
	return !p.IsLiaison() && r.Status == StatusInReview && r.Route != nil && r.Route.FastTrack && r.FrameworkID != ""
}

// addLapseWarning adds FrameworkLapseWarning to r, in review, when p is
// not a liaison officer and the agreement r took the fast track on no
// longer covers it.
func (s *RequestService) addLapseWarning(ctx context.Context, p Principal, r *Request) error {
	if !LapseChecked(p, r) {
		return nil
	}
	f, why, err := frameworkLapse(s.storeFramework(ctx), s.ref, r)
	if err != nil || len(why) == 0 {
		return err
	}
	r.Warnings = append(r.Warnings, FrameworkLapseWarning(lapseName(f, r), why))
	return nil
}

// LapsedRequest is a request in review whose route took the fast track on
// an agreement that no longer covers it: what an administrator who changed
// the agreement is told (the reference only, not the nation's details).
type LapsedRequest struct {
	RequestID string
	Reference string
}

// Lapsed are the requests in review whose route took the fast track on
// agreement f and that it no longer covers, by reference: for the
// administrator who just changed it. f is the agreement as the caller has
// it (just saved, or just listed), not read again; the requests in review
// are all read, as no column says which agreement's fast track a route
// took. Their final approval is refused until changes are requested
// (checkFrameworkStillFits).
func (s *FrameworkService) Lapsed(ctx context.Context, p Principal, f *Framework) ([]LapsedRequest, error) {
	if !p.HasRole(RoleAdmin) {
		return nil, Errorf(CodeForbidden, "the requests an agreement no longer covers are told to administrators")
	}
	id := f.ID
	get := func(string) (*Framework, error) { return f, nil }
	var out []LapsedRequest
	filter := RequestFilter{Status: StatusInReview, SubmittedOnly: true, Limit: 200}
	for {
		page, err := s.store.ListRequests(ctx, filter)
		if err != nil {
			return nil, err
		}
		for i := range page.Items {
			r := &page.Items[i]
			if r.FrameworkID != id {
				continue
			}
			if _, why, _ := frameworkLapse(get, s.ref, r); len(why) > 0 {
				out = append(out, LapsedRequest{RequestID: r.ID, Reference: r.Reference})
			}
		}
		if page.NextAfter == "" {
			break
		}
		filter.After = page.NextAfter
	}
	return out, nil
}
