package web

import (
	"fmt"
	"strconv"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// Limits are the API's per-user rate limits (api.RateLimiter). The console
// draws from the same buckets, by the same username, as the API's routes:
// a limit that one of the two ignored would be no limit. Each method takes
// what it is asked for, or takes nothing and tells how many whole seconds
// to wait.
type Limits interface {
	// User is the per-user request limit (--rate-user): one token for
	// each of the user's forms, as for each API request.
	User(subject string) (retryAfter int, ok bool)
	// Cycles is the create/submit/withdraw limit (--rate-cycles): n tokens,
	// one for each of those actions a button does.
	Cycles(subject string, n int) (retryAfter int, ok bool)
}

// codeRateLimited is the API's error code of a request over a limit.
const codeRateLimited = "rate_limited"

// limitUser takes a token of the signed-in user's request limit for one
// of their forms; over it, the error page (429, Retry-After).
func (c *Console) limitUser(ec echo.Context, p domain.Principal) error {
	if c.Limits == nil {
		return nil
	}
	secs, ok := c.Limits.User(p.Subject)
	if ok {
		return nil
	}
	return rateLimited(ec, secs, fmt.Sprintf(msg("error.userlimit"), inSeconds(secs)))
}

// limitCycles takes n tokens of the user's create/submit/withdraw limit
// before the button's actions, so that over it nothing is done; n 0 takes
// none. The error it returns is shown where the button is (formError,
// afterAction).
func (c *Console) limitCycles(ec echo.Context, p domain.Principal, n int) error {
	return c.limitCyclesSaying(ec, p, n, "error.cyclelimit")
}

// limitCyclesSaying is limitCycles with the refusal worded by the message
// key (a %s for the wait): a route check's says the route was not checked.
func (c *Console) limitCyclesSaying(ec echo.Context, p domain.Principal, n int, key string) error {
	if c.Limits == nil || n == 0 {
		return nil
	}
	secs, ok := c.Limits.Cycles(p.Subject, n)
	if ok {
		return nil
	}
	return rateLimited(ec, secs, fmt.Sprintf(msg(key), inSeconds(secs)))
}

// inSeconds is a wait for the user to read: "1 second", "40 seconds".
func inSeconds(secs int) string {
	if secs == 1 {
		return "1 second"
	}
	return strconv.Itoa(secs) + " seconds"
}

// rateLimited is the refusal of a request over a limit, with Retry-After
// set as the API sets it.
func rateLimited(ec echo.Context, secs int, message string) error {
	ec.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return domain.Errorf(codeRateLimited, "%s", message)
}

// codeUnsupportedMedia is the API's error code of a body of a type the
// route does not read.
const codeUnsupportedMedia = "unsupported_media_type"
