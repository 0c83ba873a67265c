package domain

import (
	"context"
	"slices"
	"time"
)

// The dry run of the routing policy, and how a request's framework
// agreement is found and explained.

// Evaluation is the outcome of a dry run: the policy's answer and the route
// with the due dates the request would get if it were submitted now.
type Evaluation struct {
	Result RoutingResult
	Route  *Route
	DueAt  *time.Time
}

// Evaluate is the dry run of the routing policy for an unsaved request of
// the given nation: eligibility with reasons, the route it would take, and
// the warnings a submit at this moment would give, training areas' included
// (over capacity, blackout days: Deconflict and ConflictWarnings, as
// Submit), as p may read them (WarningsFor). It stores nothing, opens no
// transaction and locks nothing: the areas' load is read outside one, so it
// may be a moment older than a submit's.
func (s *RequestService) Evaluate(ctx context.Context, p Principal, d Details, nation string) (Evaluation, error) {
	now := s.clock()
	if err := s.validate(d, now); err != nil {
		return Evaluation{}, err
	}
	fw, err := framework(s.storeFramework(ctx), nation, d)
	if err != nil {
		return Evaluation{}, err
	}
	n, ok := s.ref.Nation(nation)
	if !ok {
		return Evaluation{}, unknownNation(nation)
	}
	ev, err := dryRun(s.router, RoutingInput{Nation: n, Details: d, Framework: fw, Today: now}, s.ref)
	if err != nil {
		return Evaluation{}, err
	}
	conflicts, err := s.readConflicts(ctx, &Request{Nation: nation, Details: d})
	if err != nil {
		return Evaluation{}, err
	}
	ev.Result.Warnings = append(ev.Result.Warnings, ConflictWarnings(conflicts)...)
	ev.Result.Warnings = append(ev.Result.Warnings, MovementWarnings(d.Movements, s.ref)...)
	ev.Result.Warnings = WarningsFor(ev.Result.Warnings, p)
	return ev, nil
}

// readConflicts is txConflicts for the dry run: r's bookings checked by
// Deconflict against the other requests in review or approved, read from
// the store outside a transaction (no lock, no write). The others' load is
// the bookings' day-by-day walk (BookingLoad), which the stored per-day
// sums that Submit reads are kept equal to.
func (s *RequestService) readConflicts(ctx context.Context, r *Request) ([]AreaConflict, error) {
	codes := uniqueAreas(r.Details)
	if len(codes) == 0 {
		return nil, nil
	}
	all, err := s.store.TrainingAreas(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]TrainingArea{}
	var others []Booking
	for _, a := range all {
		if !slices.Contains(codes, a.Code) {
			continue
		}
		byCode[a.Code] = a
		from, to := r.bookedSpan(a.Code)
		bs, err := s.store.ListBookings(ctx, a.Code, from, to)
		if err != nil {
			return nil, err
		}
		others = append(others, bs...)
	}
	return Deconflict(r, byCode, BookingLoad(others, r.ID)), nil
}

// DryRun routes in and builds the route the request would get if it were
// submitted at in.Today, with the warnings submit would give about the
// route itself (the framework that does not fit, a decision after the
// period starts). It stores and reads nothing: the dry run of the API and
// `exaccess policy test` both use it.
func DryRun(router Router, in RoutingInput) (Evaluation, error) { return dryRun(router, in, nil) }

// dryRun is DryRun with the framework warning naming areas and entry
// points as ref does (frameworkWarnings); nil names them by their codes.
func dryRun(router Router, in RoutingInput, ref Reference) (Evaluation, error) {
	res, err := router.Route(in)
	if err != nil {
		return Evaluation{}, err
	}
	res.Warnings = append(res.Warnings, frameworkWarnings(in.Framework, res, in.Nation.Code, in.Details, ref)...)
	ev := Evaluation{Result: res}
	if res.Eligible {
		ev.Route, ev.DueAt = BuildRoute(res, in.Today)
		ev.Result.Warnings = append(ev.Result.Warnings, DecisionAfterStartWarnings(ev.Route, in.Details.Period)...)
	}
	return ev, nil
}

func unknownNation(code string) error {
	return &Error{Code: CodeInvalid, Message: "unknown nation",
		Fields: []FieldError{{"nation", "unknown nation " + quote(code) + "; " + ListedAtNations}}}
}

func (s *RequestService) evaluate(nation string, d Details, fw *Framework, today time.Time) (RoutingResult, error) {
	n, ok := s.ref.Nation(nation)
	if !ok {
		return RoutingResult{}, unknownNation(nation)
	}
	return s.router.Route(RoutingInput{Nation: n, Details: d, Framework: fw, Today: today})
}

// frameworkWarnings explains why a named framework agreement was not used:
// the request takes the normal route, and the warning says which limits of
// the agreement it exceeds, naming areas and entry points as ref names them.
func frameworkWarnings(fw *Framework, plan RoutingResult, nation string, d Details, ref Reference) []Warning {
	if fw == nil || plan.FastTrack {
		return nil // a fast track implies Fit (the engine requires framework.fits): nothing to explain
	}
	if fits, reasons := fitNamed(fw, nation, d, ref); !fits {
		return []Warning{FrameworkWarning(fw, reasons)}
	}
	return nil
}

// framework finds the agreement a request names, with get reading from the
// store or the transaction. A missing one, or another nation's, is a field
// error: the liaison officer must not learn of other nations' agreements.
func framework(get func(id string) (*Framework, error), nation string, d Details) (*Framework, error) {
	if d.FrameworkID == "" {
		return nil, nil
	}
	f, err := get(d.FrameworkID)
	if ErrorCode(err) == CodeNotFound || (err == nil && f.Nation != nation) {
		return nil, &Error{Code: CodeInvalid, Message: "unknown framework agreement",
			Fields: []FieldError{{"framework_id", "unknown framework agreement " + quote(d.FrameworkID)}}}
	}
	return f, err
}

// unknownFramework reports whether err is framework's field error: the
// agreement named is missing or another nation's.
func unknownFramework(err error) bool { return ErrorCode(err) == CodeInvalid }

// submitFramework is framework for Submit of r. A first submission is
// refused as framework refuses it. A resubmission (r returned for changes)
// may name an agreement deleted or moved to another nation since it was
// chosen — the very case whose fast track the final approval refuses,
// asking for changes and a resubmission: it is routed without the
// agreement, with FrameworkUnavailableWarning, which tells nothing of
// where the agreement went.
func submitFramework(get func(id string) (*Framework, error), r *Request) (*Framework, []Warning, error) {
	fw, err := framework(get, r.Nation, r.Details)
	if unknownFramework(err) && keepsLostFramework(r, r.Details.FrameworkID) {
		return nil, []Warning{FrameworkUnavailableWarning(r.Details.FrameworkID)}, nil
	}
	return fw, nil, namedFrameworkRefused(r, r.Details.FrameworkID, err)
}

// keepsLostFramework: r, returned for changes, still names the agreement
// id it named when it was returned. Missing or another nation's since,
// that agreement neither refuses an edit nor the resubmission, which takes
// the normal route (submitFramework); naming it anew is refused as ever.
func keepsLostFramework(r *Request, id string) bool {
	return r.Status == StatusChangesRequested && id == r.Details.FrameworkID
}

// editFramework is framework's answer err about the agreement id an edit
// of r names: none when r, returned for changes, keeps the agreement it
// names (keepsLostFramework); otherwise err, worded by
// namedFrameworkRefused.
func editFramework(r *Request, id string, err error) error {
	if err != nil && keepsLostFramework(r, id) {
		return nil
	}
	return namedFrameworkRefused(r, id, err)
}

// namedFrameworkRefused is framework's refusal err of the agreement id in
// an edit or a submission of r, worded for what it is: when r already
// names id (a draft, or a request that is no longer editable, whose
// agreement was deleted or moved to another nation since it was chosen),
// the agreement is named and the refusal says that it is no longer
// available to the nation — the same whether deleted or moved, nothing of
// where it went — and what to do; an agreement r does not name is
// "unknown", as ever. Any other err is returned as it is.
func namedFrameworkRefused(r *Request, id string, err error) error {
	if !unknownFramework(err) || id == "" || id != r.Details.FrameworkID {
		return err
	}
	return &Error{Code: CodeInvalid, Message: "the framework agreement the request names is no longer available",
		Fields: []FieldError{{"framework_id", "framework agreement " + quote(id) +
			" is no longer available to your nation; choose another agreement or none"}}}
}

// storeFramework reads a framework agreement outside a transaction.
func (s *RequestService) storeFramework(ctx context.Context) func(string) (*Framework, error) {
	return func(id string) (*Framework, error) { return s.store.GetFramework(ctx, id) }
}
