package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// codeRateLimited answers a caller over its rate limit (429, Retry-After).
const codeRateLimited = "rate_limited"

// signInPath is the one route with a limit of its own: it is where passwords
// are guessed, and each attempt costs an argon2id hash.
const signInPath = "/api/v1/auth/token"

// consoleSignInPath is the web console's sign-in form (package web): the
// same passwords, so the same limit, keyed by address and typed username.
const consoleSignInPath = "/sign-in"

// Probes of load balancers and orchestrators are exempt, as the route table
// declares (access.unlimited): refusing one would take a healthy process out
// of service — what a flood wants — and they do no work worth flooding.

// RateLimits configures the limits of docs/product.md, "Limits". A Rate that is off
// limits nothing; MaxKeys bounds the buckets kept per limit.
type RateLimits struct {
	PerUser    Rate // per signed-in user, on every route that needs a token
	PerAddress Rate // per client address, on every request
	SignIn     Rate // per client address and username, on failed sign-ins
	// SignInAddress is per client address, on failed sign-ins whatever
	// the username: what bounds one address's password spraying (one
	// password tried on many usernames), which the per-username SignIn
	// does not see, and its share of the Argon2id computations every
	// attempt waits for (docs/security.md, "Memory one request can take").
	SignInAddress Rate
	// Cycles is per user, on the routes that create, submit and withdraw
	// requests (each takes one token): what bounds a liaison officer's
	// probing of the other bookings through submit warnings (docs/security.md).
	Cycles  Rate
	MaxKeys int
}

// DefaultRateLimits are generous for people and scripts, tight for password
// guessing.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		PerUser:    Rate{Events: 20, Per: time.Second, Burst: 40},
		PerAddress: Rate{Events: 50, Per: time.Second, Burst: 100},
		SignIn:     Rate{Events: 5, Per: time.Minute, Burst: 5},
		// Generous enough for an office behind one address whose people
		// mistype their passwords; failures only, as SignIn.
		SignInAddress: Rate{Events: 30, Per: time.Minute, Burst: 30},
		Cycles:        Rate{Events: 60, Per: time.Hour, Burst: 30},
		MaxKeys:       100_000,
	}
}

// RateLimiter enforces RateLimits. A nil *RateLimiter limits nothing.
type RateLimiter struct {
	perUser, address, signIn, signInAddress, cycles *keyedLimiter
}

// NewRateLimiter builds the limiter; now is the clock (time.Now in production).
func NewRateLimiter(l RateLimits, now func() time.Time) *RateLimiter {
	mk := func(r Rate) *keyedLimiter {
		if !r.On() {
			return nil
		}
		return newKeyedLimiter(r, l.MaxKeys, now)
	}
	return &RateLimiter{perUser: mk(l.PerUser), address: mk(l.PerAddress), signIn: mk(l.SignIn),
		signInAddress: mk(l.SignInAddress), cycles: mk(l.Cycles)}
}

// middleware limits every request by client address and sign-in attempts by
// address and username. The address comes from Echo's IPExtractor, which
// New always sets: never from a header the client controls, unless the
// direct peer is a configured trusted proxy.
func (rl *RateLimiter) middleware(exempt func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if rl == nil {
			return next
		}
		return func(c echo.Context) error {
			if exempt(c) {
				return next(c)
			}
			return rl.limit(c, next)
		}
	}
}

// limit applies the per-address and sign-in limits, then calls next. The
// sign-in limits (per address and username, then per address) count
// failed attempts only.
func (rl *RateLimiter) limit(c echo.Context, next echo.HandlerFunc) error {
	addr := addressKey(c.RealIP())
	if err := check(c, rl.address, addr, limitAddress); err != nil {
		return err
	}
	if (rl.signIn == nil && rl.signInAddress == nil) || c.Request().Method != http.MethodPost {
		return next(c)
	}
	var key string
	switch c.Path() {
	case signInPath:
		key = addr + "\x00" + signInKey(peekUsername(c.Request()))
	case consoleSignInPath:
		username, err := formUsername(c)
		if err != nil {
			return err
		}
		key = addr + "\x00" + signInKey(username)
	default:
		return next(c)
	}
	if err := check(c, rl.signIn, key, limitSignIn); err != nil {
		return err
	}
	if err := check(c, rl.signInAddress, addr, limitSignInAddress); err != nil {
		rl.signIn.refund(key) // this attempt is not made
		return err
	}
	// The attempt took a token of each before the handler ran, so that
	// concurrent guesses cannot all slip in before any is counted; a
	// successful sign-in gives them back. Only failed attempts use up the
	// budgets.
	err := next(c)
	if err == nil && c.Response().Status < http.StatusBadRequest {
		rl.signIn.refund(key)
		rl.signInAddress.refund(addr)
	}
	return err
}

// user limits one signed-in user, whatever address they come from.
func (rl *RateLimiter) user(c echo.Context, subject string) error {
	if rl == nil {
		return nil
	}
	return check(c, rl.perUser, subject, limitUser)
}

// cycle limits one user's creates, submits and withdrawals of requests.
func (rl *RateLimiter) cycle(c echo.Context, subject string) error {
	if rl == nil {
		return nil
	}
	return check(c, rl.cycles, subject, limitCycles)
}

// User takes one token of subject's per-user limit (RateLimits.PerUser),
// the bucket every API route with a token draws from: the web console's
// forms draw from it too. Refused, it takes nothing and tells the wait in
// whole seconds.
func (rl *RateLimiter) User(subject string) (retryAfter int, ok bool) {
	if rl == nil {
		return 0, true
	}
	return take(rl.perUser, subject, 1)
}

// Cycles takes n tokens, all or none, of subject's create/submit/withdraw
// limit (RateLimits.Cycles), the bucket the API's create, submit and
// withdraw routes draw from: the web console's buttons for the same
// actions draw from it too, one token an action ("save and submit" of a new
// request is two). Refused, it takes nothing and tells the wait in whole
// seconds.
func (rl *RateLimiter) Cycles(subject string, n int) (retryAfter int, ok bool) {
	if rl == nil {
		return 0, true
	}
	return take(rl.cycles, subject, n)
}

// take takes n tokens of key's bucket, all or none; refused, it returns
// the wait in whole seconds, rounded up so that a client waiting that long
// gets through. A nil limiter, or an n under 1, takes nothing and refuses
// nothing.
func take(l *keyedLimiter, key string, n int) (int, bool) {
	if l == nil || n < 1 {
		return 0, true
	}
	wait, ok := l.allowN(key, n)
	if ok {
		return 0, true
	}
	return max(int(math.Ceil(wait.Seconds())), 1), false
}

// The details of a 429 name the limit that was hit (docs/openapi.yaml,
// TooManyRequests), so that a client knows which budget it spent.
const (
	limitAddress = "too many requests from this address"
	limitUser    = "too many requests by this user"
	limitSignIn  = "too many failed sign-ins for this username from this address"
	// limitSignInAddress: RateLimits.SignInAddress.
	limitSignInAddress = "too many failed sign-ins from this address"
	limitCycles        = "too many creates, submits and withdrawals of requests by this user"
)

// check takes a token for key, or answers 429 with Retry-After and a
// detail that starts with what, the limit hit.
func check(c echo.Context, l *keyedLimiter, key, what string) error {
	secs, ok := take(l, key, 1)
	if ok {
		return nil
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return domain.Errorf(codeRateLimited, "%s; retry after %d seconds", what, secs)
}

// addressKey is the limiter key of a client address. An IPv6 client usually
// holds a whole /64, so it is counted as one; anything unparsable counts as
// itself, cut short so that it cannot grow the key without bound.
func addressKey(ip string) string {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil:
		return "?" + ip[:min(len(ip), 64)]
	case parsed.To4() != nil:
		return parsed.String()
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// peekUsername reads the username of a sign-in body and puts the body back
// for the handler. A body that is too large or not JSON yields "": the
// handler refuses it anyway, and the address limit still counts it.
func peekUsername(req *http.Request) string {
	if req.Body == nil || req.ContentLength > MaxBodyBytes {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, MaxBodyBytes+1))
	req.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), req.Body), req.Body}
	if err != nil || len(b) > MaxBodyBytes {
		return ""
	}
	var in struct {
		Username string `json:"username"`
	}
	if json.Unmarshal(b, &in) != nil {
		return ""
	}
	return in.Username
}

// formUsername reads the username of a console sign-in form (package web)
// for the sign-in limit. The form is application/x-www-form-urlencoded,
// as every browser sends it; any other body is refused before a byte of it
// is read (415): Go's parser of multipart/form-data would keep some 40 MB
// of fields in memory and write file parts to disk without bound, before
// the console's own cap on a form's body. The body read is capped at
// MaxBodyBytes, the console's cap too (413 past it). The form stays parsed
// for the console's handler.
func formUsername(c echo.Context) (string, error) {
	req := c.Request()
	if mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationForm {
		return "", domain.Errorf(codeUnsupportedMedia, "the sign-in form must be sent as %s; this body was not read", echo.MIMEApplicationForm)
	}
	if req.ContentLength > MaxBodyBytes {
		return "", tooLarge()
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, MaxBodyBytes)
	err := req.ParseForm()
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return "", tooLarge()
	case err != nil:
		return "", domain.Errorf(domain.CodeBadRequest, "the form could not be read")
	}
	return req.PostForm.Get("username"), nil
}

// signInKey is the username part of a sign-in attempt's limiter key: the
// name as the sign-in handlers look it up. Both trim the white space
// around it (auth.SignInName), so " ops2" and "ops2 " are ops2's attempts.
// Usernames are lower case (domain: validUsername) and looked up exactly,
// so folding the case only adds names that never sign in ("OPS2") to the
// bucket of the one that does. Cut to 128 bytes: no username is longer
// than 64.
func signInKey(username string) string {
	u := strings.ToLower(auth.SignInName(username))
	return u[:min(len(u), 128)]
}
