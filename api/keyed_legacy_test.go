package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestReplayOfFirstAnswersStoredBeforeTheLineFeed: first answers stored
// before replays kept the line feed are replayed as they were sent. A
// request's first answer (c.JSON) ended with a line feed that its stored
// body lacks: the replay adds it. Any other keyed create was sent without
// one: its replay stays without one.
func TestReplayOfFirstAnswersStoredBeforeTheLineFeed(t *testing.T) {
	replay := func(write func(echo.Context) error) string {
		t.Helper()
		rec := httptest.NewRecorder()
		if err := write(echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/", nil), rec)); err != nil {
			t.Fatal(err)
		}
		return rec.Body.String()
	}
	for _, c := range []struct{ name, got, want string }{
		{"request, stored without the line feed", replay(func(c echo.Context) error { return writeReplay(c, []byte(`{"id":"r1","version":1}`)) }),
			"{\"id\":\"r1\",\"version\":1}\n"},
		{"request, stored with it", replay(func(c echo.Context) error { return writeReplay(c, []byte("{\"id\":\"r1\",\"version\":1}\n")) }),
			"{\"id\":\"r1\",\"version\":1}\n"},
		{"delegation, stored before line_feed", replay(func(c echo.Context) error {
			return writeStored(c, []byte(`{"status":201,"location":"/api/v1/delegations/d1","body":{"id":"d1"}}`))
		}), `{"id":"d1"}`},
		{"delegation, stored with line_feed", replay(func(c echo.Context) error {
			return writeStored(c, []byte(`{"status":201,"location":"/api/v1/delegations/d1","body":{"id":"d1"},"line_feed":true}`))
		}), "{\"id\":\"d1\"}\n"},
	} {
		if c.got != c.want {
			t.Errorf("%s: replayed %q, want %q", c.name, c.got, c.want)
		}
	}
}
