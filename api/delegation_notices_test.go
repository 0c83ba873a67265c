package api

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
)

// TestRevokedDelegationWithdrawsItsNotices: ops delegates operations to
// range. Intake approved, the range_safety and operations stages become
// active together, and range is told of both, by e-mail and webhook: of
// range_safety in its own right, of operations through the delegation.
// When ops revokes the delegation, the operations notices queued to range
// are withdrawn, saying why; the range_safety ones, and the operations
// holders' own, still go out.
func TestRevokedDelegationWithdrawsItsNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/range"}), http.StatusCreated)
		d := e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "operations_approver", "ends": "2026-12-01T00:00:00Z"})
		want(t, d, http.StatusCreated)
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)

		rows := func(user string) string { return activationRows(t, e, id, user, domain.DelegationRevokedError) }
		if got, w := rows("range"), "operations email queued, operations webhook queued, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range before the revocation: %s; want %s", got, w)
		}

		want(t, e.do("ops", http.MethodDelete, "/api/v1/delegations/"+d.JSON(t)["id"].(string), nil), http.StatusOK)
		if got, w := rows("range"), "operations email undeliverable, operations webhook undeliverable, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range after the revocation: %s; want %s", got, w)
		}
		for _, holder := range []string{"ops", "ops2"} {
			if got, w := rows(holder), "operations email queued"; got != w {
				t.Errorf("%s after the revocation: %s; want %s", holder, got, w)
			}
		}
	})
}

// TestDisabledDelegatorWithdrawsItsDelegatesNotices: as above, but the
// delegation is not revoked: an administrator disables ops, the delegator,
// and the delegation stops counting. The operations notices queued to
// range through it are withdrawn in the same transaction, saying why; the
// range_safety ones, and ops2's own operations notice, still go out.
func TestDisabledDelegatorWithdrawsItsDelegatesNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/range"}), http.StatusCreated)
		want(t, e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "operations_approver", "ends": "2026-12-01T00:00:00Z"}),
			http.StatusCreated)
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)

		rows := func(user string) string { return activationRows(t, e, id, user, domain.DelegationLapsedError) }
		if got, w := rows("range"), "operations email queued, operations webhook queued, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range before ops is disabled: %s; want %s", got, w)
		}

		opsID, _ := e.userID("ops")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+opsID+"/disable", map[string]any{"reason": "left"}), http.StatusOK)
		if got, w := rows("range"), "operations email undeliverable, operations webhook undeliverable, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range after ops is disabled: %s; want %s", got, w)
		}
		if got, w := rows("ops2"), "operations email queued"; got != w {
			t.Errorf("ops2 after ops is disabled: %s; want %s", got, w)
		}
	})
}

// TestEndedDelegationSendsNothingLate: ops delegates operations to range
// for one hour. Intake approved, range is told of the operations stage
// through the delegation (and of range_safety in its own right), by e-mail
// and by its webhook; but nothing goes out while the delegation runs (the
// mail server is down, say). When the worker delivers, two hours later,
// the delegation has ended — which withdraws nothing by itself — and the
// worker sends range nothing of operations: those rows are marked
// undeliverable, saying why. The range_safety notices, and the operations
// holders' own, go out.
func TestEndedDelegationSendsNothingLate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var mu sync.Mutex
		var hooked, mailed []string
		hooks := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			hooked = append(hooked, r.URL.Path)
		}))
		defer hooks.Close()
		for _, u := range []string{"range", "ops", "ops2"} {
			id, tag := e.userID(u)
			want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"email": u + "@example.org"}, "If-Match", tag), http.StatusOK)
		}
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": hooks.URL + "/range"}), http.StatusCreated)
		ends := testNow.Add(time.Hour).Format(time.RFC3339)
		want(t, e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "operations_approver", "ends": ends}),
			http.StatusCreated)
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)
		rows := func(user string) string { return activationRows(t, e, id, user, domain.RoleNotHeldError) }
		if got, w := rows("range"), "operations email queued, operations webhook queued, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range before delivery: %s; want %s", got, w)
		}

		later := testNow.Add(2 * time.Hour)
		e.clock = func() time.Time { return later }
		mail := senderFunc(func(_ context.Context, n domain.Notification) error {
			mu.Lock()
			defer mu.Unlock()
			mailed = append(mailed, n.Address+" "+stageNamed(n.Body))
			return nil
		})
		worker := &notify.Worker{Outbox: e.db, Email: mail, Webhook: notify.NewWebhookSender(e.db, true, true), Now: e.clock}
		for {
			n, err := worker.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		if got, w := rows("range"), "operations email undeliverable, operations webhook undeliverable, range_safety email sent, range_safety webhook sent"; got != w {
			t.Errorf("range after delivery: %s; want %s", got, w)
		}
		for _, holder := range []string{"ops", "ops2"} {
			if got, w := rows(holder), "operations email sent"; got != w {
				t.Errorf("%s after delivery: %s; want %s", holder, got, w)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, m := range mailed {
			if strings.HasPrefix(m, "range@") && !strings.HasSuffix(m, " range_safety") {
				t.Errorf("range was mailed %q after the delegation ended", m)
			}
		}
		if len(hooked) != 1 {
			t.Errorf("range's webhook was called %d times, want once (range_safety)", len(hooked))
		}
	})
}

// activationRows lists user's outbox rows of request id's stage
// activations as "stage channel status", sorted; an undeliverable row
// names its reason unless it is reason.
func activationRows(t *testing.T, e *env, id, user, reason string) string {
	t.Helper()
	var out []string
	for _, n := range e.outboxOf(id, user) {
		if n.Kind != domain.NotifyStageActive {
			continue
		}
		stage := stageNamed(n.Body)
		s := stage + " " + n.Channel + " " + n.Status
		if n.Status == domain.DeliveryUndeliverable && n.LastError != reason {
			s += " (" + n.LastError + ")"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

type senderFunc func(context.Context, domain.Notification) error

func (f senderFunc) Send(ctx context.Context, n domain.Notification) error { return f(ctx, n) }

// TestRevokedDelegationSendsNoStartedNotice: ops delegates
// operations_approver to range until the evening, ops2 delegates it to
// range for two days. The reminder sweep queues range's notices that both
// started (and that ops's ends within the day), by e-mail and webhook,
// before the worker runs (the mail server is down, say). Ops then revokes
// theirs: its notices are withdrawn in the revocation's transaction,
// saying why, and when the worker runs no e-mail or webhook call tells
// range of it; ops2's delegation's notice goes out. The inbox keeps what
// it showed.
func TestRevokedDelegationSendsNoStartedNotice(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var mu sync.Mutex
		var mailed, hooked []string
		hooks := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			var call struct {
				Type string `json:"type"`
				Data struct {
					Body string `json:"body"`
				} `json:"data"`
			}
			err := json.NewDecoder(r.Body).Decode(&call)
			mu.Lock()
			defer mu.Unlock()
			hooked = append(hooked, call.Type+" "+strings.Fields(call.Data.Body + " ?")[0])
			if err != nil {
				hooked = append(hooked, err.Error())
			}
		}))
		defer hooks.Close()
		id, tag := e.userID("range")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"email": "range@example.org"}, "If-Match", tag), http.StatusOK)
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": hooks.URL + "/range"}), http.StatusCreated)
		delegate := func(from string, ends time.Time) string {
			r := e.do(from, http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "operations_approver",
				"ends": ends.Format(time.RFC3339)})
			want(t, r, http.StatusCreated)
			return r.JSON(t)["id"].(string)
		}
		byOps := delegate("ops", testNow.Add(12*time.Hour))
		delegate("ops2", testNow.Add(48*time.Hour))
		delegator := map[string]string{byOps: "ops"}

		// rows lists range's e-mail and webhook rows about delegations as
		// "delegator kind channel status", sorted; a row withdrawn with
		// another reason than the revocation's names it.
		rows := func() string {
			all, err := e.db.Notifications(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range all {
				d, ok := domain.NoticeDelegation(n)
				if !ok || n.Channel == domain.ChannelInbox {
					continue
				}
				s := cmp.Or(delegator[d], "ops2") + " " + n.Kind + " " + n.Channel + " " + n.Status
				if n.Status == domain.DeliveryUndeliverable && n.LastError != domain.DelegationRevokedError {
					s += " (" + n.LastError + ")"
				}
				out = append(out, s)
			}
			slices.Sort(out)
			return strings.Join(out, ", ")
		}
		sweep := testNow.Add(time.Minute)
		if _, err := e.db.ScheduleNotifications(context.Background(), sweep); err != nil {
			t.Fatal(err)
		}
		if got, w := rows(), "ops delegation.ending email queued, ops delegation.ending webhook queued, "+
			"ops delegation.started email queued, ops delegation.started webhook queued, "+
			"ops2 delegation.started email queued, ops2 delegation.started webhook queued"; got != w {
			t.Fatalf("range's rows before the revocation: %s; want %s", got, w)
		}

		e.clock = func() time.Time { return sweep.Add(time.Minute) }
		want(t, e.do("ops", http.MethodDelete, "/api/v1/delegations/"+byOps, nil), http.StatusOK)
		if got, w := rows(), "ops delegation.ending email undeliverable, ops delegation.ending webhook undeliverable, "+
			"ops delegation.started email undeliverable, ops delegation.started webhook undeliverable, "+
			"ops2 delegation.started email queued, ops2 delegation.started webhook queued"; got != w {
			t.Fatalf("range's rows after the revocation: %s; want %s", got, w)
		}

		mail := senderFunc(func(_ context.Context, n domain.Notification) error {
			mu.Lock()
			defer mu.Unlock()
			mailed = append(mailed, n.Address+" "+n.Kind+" "+strings.Fields(n.Body + " ?")[0])
			return nil
		})
		worker := &notify.Worker{Outbox: e.db, Email: mail, Webhook: notify.NewWebhookSender(e.db, true, true), Now: e.clock}
		for {
			n, err := worker.RunOnce(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		if got, w := rows(), "ops delegation.ending email undeliverable, ops delegation.ending webhook undeliverable, "+
			"ops delegation.started email undeliverable, ops delegation.started webhook undeliverable, "+
			"ops2 delegation.started email sent, ops2 delegation.started webhook sent"; got != w {
			t.Errorf("range's rows after delivery: %s; want %s", got, w)
		}
		mu.Lock()
		if w := []string{"range@example.org delegation.started ops2"}; !slices.Equal(mailed, w) {
			t.Errorf("mailed %q, want %q", mailed, w)
		}
		if w := []string{"delegation.started ops2"}; !slices.Equal(hooked, w) {
			t.Errorf("range's webhook was called with %q, want %q", hooked, w)
		}
		mu.Unlock()

		// The inbox still shows what range was told.
		items, _ := e.inbox("range", "")
		var kinds []string
		for _, it := range items {
			kinds = append(kinds, it["kind"].(string))
		}
		slices.Sort(kinds)
		if w := []string{domain.NotifyDelegationEnding, domain.NotifyDelegationStarted, domain.NotifyDelegationStarted}; !slices.Equal(kinds, w) {
			t.Errorf("range's inbox: %q, want %q", kinds, w)
		}
	})
}

// stageNamed is the id of the default policy's stage that a stage notice's
// body names in words (domain.StageWords), or "-" when it names none.
func stageNamed(body string) string {
	for _, s := range []struct {
		id   string
		role domain.Role
	}{{"intake", domain.RoleHNS}, {"range_safety", domain.RoleRange}, {"operations", domain.RoleOperations}, {"ministry", domain.RoleMinistry}} {
		if strings.Contains(body, domain.StageWords(s.id, s.role)) {
			return s.id
		}
	}
	return "-"
}
