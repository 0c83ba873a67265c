package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// benchClient talks to the server under test as the demo users.
type benchClient struct {
	base        string
	compareArea string
	http        *http.Client
	tokens      map[string]string

	mu        sync.Mutex
	drafts    []handle // created, not yet submitted
	draftsCmp []handle // the same, booking --compare-area
	submitted []handle // in review, intake not yet decided
	seeded    []string // ids of seeded requests, for list cursors
}

// handle is a request and its current ETag.
type handle struct{ id, etag string }

// benchUsers are the demo users the bench signs in as.
var benchUsers = []string{"lo-no", "hns", "auditor"}

func newBenchClient(ctx context.Context, base string, clients int) (*benchClient, error) {
	tr := &http.Transport{MaxIdleConns: 4 * clients, MaxIdleConnsPerHost: 4 * clients, IdleConnTimeout: time.Minute}
	b := &benchClient{base: base, http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}, tokens: map[string]string{}}
	for _, u := range benchUsers {
		body, _ := json.Marshal(map[string]string{"username": u, "password": demoPassword})
		st, _, out, err := b.do(ctx, http.MethodPost, "/api/v1/auth/token", "", body, "")
		if err != nil {
			return nil, fmt.Errorf("bench: cannot reach %s: %v", base, unwrapURLError(err))
		}
		if st == http.StatusTooManyRequests {
			return nil, fmt.Errorf("bench: %s: signing in as %s answered 429; %s", base, u, rateLimitHint)
		}
		if st != http.StatusOK {
			return nil, fmt.Errorf("bench: %s has no demo users: signing in as %s answered %d", base, u, st)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(out, &tok); err != nil || tok.AccessToken == "" {
			return nil, fmt.Errorf("bench: %s: signing in as %s gave no access_token", base, u)
		}
		b.tokens[u] = tok.AccessToken
	}
	return b, nil
}

// unwrapURLError keeps the cause of a failed request, without the URL
// repeated.
func unwrapURLError(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		if _, ok := err.(interface{ Timeout() bool }); !ok {
			return err
		}
		err = u
	}
}

// do sends one request as user (token "" for none) and reads the whole answer.
func (b *benchClient) do(ctx context.Context, method, path, user string, body []byte, ifMatch string) (int, string, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := b.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && method == http.MethodGet && path == exportPath {
		// An export is read to its end but not kept: the client must not
		// hold 16 copies of the log and count them as the server's memory.
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, "", nil, err
	}
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), out, err
}

const exportPath = "/api/v1/audit/export"

// draftBody is a valid draft booking area for a week, a year from now.
func draftBody(area string, n int) []byte {
	y := time.Now().UTC().Year() + 1
	d := func(m, day int) string { return fmt.Sprintf("%d-%02d-%02d", y, m, day) }
	body := map[string]any{
		"exercise_name": fmt.Sprintf("Bench %d", n),
		"purpose":       "Benchmark of the write paths",
		"unit":          map[string]any{"designation": "Telemark Battalion", "parent_formation": "Brigade North", "commander": "Lt Col Hansen"},
		"period":        map[string]any{"start": d(3, 2), "end": d(3, 20)},
		"personnel":     map[string]any{"military": 450, "civilian": 10, "contractors": 5},
		"vehicles":      []any{map[string]any{"category": "combat", "kind": "tracked", "count": 12}},
		"weapons":       map[string]any{"live_fire": true, "systems": []any{"CV90", "M72"}},
		"movements": []any{
			map[string]any{"direction": "entry", "entry_point": "storlien", "at": d(3, 2) + "T08:00:00Z", "mode": "road"},
			map[string]any{"direction": "exit", "entry_point": "storlien", "at": d(3, 20) + "T16:00:00Z", "mode": "road"},
		},
		"training_areas": []any{map[string]any{"area": area, "from": d(3, 5), "to": d(3, 12)}},
		"contact":        map[string]any{"name": "Maj Berg", "email": "berg@mil.no", "phone": "+47 000 00 000"},
	}
	out, _ := json.Marshal(body)
	return out
}

// create stores one draft and returns it.
func (b *benchClient) create(ctx context.Context, area string, n int) (handle, error) {
	st, etag, out, err := b.do(ctx, http.MethodPost, "/api/v1/requests", "lo-no", draftBody(area, n), "")
	if err != nil {
		return handle{}, err
	}
	if st != http.StatusCreated {
		return handle{}, statusError("create", st, out)
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return handle{}, err
	}
	return handle{r.ID, etag}, nil
}

// submit sends a draft for review and returns its new ETag.
func (b *benchClient) submit(ctx context.Context, h handle) (handle, error) {
	st, etag, out, err := b.do(ctx, http.MethodPost, "/api/v1/requests/"+h.id+"/submit", "lo-no", nil, h.etag)
	if err != nil {
		return h, err
	}
	if st != http.StatusOK {
		return h, statusError("submit", st, out)
	}
	return handle{h.id, etag}, nil
}

// decide approves the intake stage of a request in review.
func (b *benchClient) decide(ctx context.Context, h handle) error {
	body := []byte(`{"stage":"intake","outcome":"approve"}`)
	st, _, out, err := b.do(ctx, http.MethodPost, "/api/v1/requests/"+h.id+"/decisions", "hns", body, h.etag)
	if err != nil {
		return err
	}
	if st != http.StatusOK {
		return statusError("decide", st, out)
	}
	return nil
}

// get reads path as user and expects 200.
func (b *benchClient) get(ctx context.Context, what, path, user string) error {
	st, _, out, err := b.do(ctx, http.MethodGet, path, user, nil, "")
	if err != nil {
		return err
	}
	if st != http.StatusOK {
		return statusError(what, st, out)
	}
	return nil
}

// rateLimitHint explains a 429: serve's rate limits are always on, and a
// bench of 16 clients is far over them (20 requests a second per user, 60
// creates and submits an hour). --rate-signin counts failed sign-ins only.
const rateLimitHint = "the target rate-limits: start it with its rate limits off, e.g. exaccess serve --demo --rate-user off --rate-address off --rate-cycles off (or EXACCESS_RATE_USER=off EXACCESS_RATE_ADDRESS=off EXACCESS_RATE_CYCLES=off)"

func statusError(what string, st int, body []byte) error {
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if st == http.StatusTooManyRequests {
		return fmt.Errorf("%s answered 429: %s; %s", what, msg, rateLimitHint)
	}
	return fmt.Errorf("%s answered %d: %s", what, st, msg)
}

// draftList is the list of drafts booking area.
func (b *benchClient) draftList(area string) *[]handle {
	if area == b.compareArea && area != "" {
		return &b.draftsCmp
	}
	return &b.drafts
}

// take removes and returns the first handle of *list, if any.
func (b *benchClient) take(list *[]handle) (handle, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(*list) == 0 {
		return handle{}, false
	}
	h := (*list)[0]
	*list = (*list)[1:]
	return h, true
}

func (b *benchClient) put(list *[]handle, h handle) {
	b.mu.Lock()
	*list = append(*list, h)
	b.mu.Unlock()
}
