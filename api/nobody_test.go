package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestActionsWithoutBodyRefuseOne: submit, mark read and mark all read read
// no body. They accept none, or {} (what some clients send with every
// POST); any other body is refused, naming what was sent, and nothing is
// done — a body was silently ignored, so {"reason": …} or {"ids": […]}
// looked accepted while meaning nothing.
func TestActionsWithoutBodyRefuseOne(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/nobody.db")
	id, tag := e.create("lo-no", draft())
	submit := func(body any, contentType string) resp {
		return e.send(call{as: "lo-no", method: http.MethodPost, path: "/api/v1/requests/" + id + "/submit", body: body,
			headers: []string{"If-Match", tag, "Content-Type", contentType}})
	}
	const noBody = "this action takes no body: send none, or {}"
	refused := []struct {
		body, contentType string
		status            int
		code, detail      string
		fields            []string
	}{
		{`{"reason":"please hurry"}`, "application/json", 422, "invalid", noBody, []string{"reason"}},
		{`{"version":1,"status":"in_review"}`, "application/json", 422, "invalid", noBody, []string{"status", "version"}},
		{`[]`, "application/json", 400, "bad_request", noBody, nil},
		{`null`, "application/json", 400, "bad_request", noBody, nil},
		{`"submit"`, "application/json", 400, "bad_request", noBody, nil},
		{`{`, "application/json", 400, "bad_request", "not valid JSON", nil},
		{`reason=hurry`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", "application/json", nil},
	}
	for _, c := range refused {
		r := submit(c.body, c.contentType)
		wantProblem(t, r, c.status, c.code, c.fields...)
		if detail := r.JSON(t)["detail"].(string); !strings.Contains(detail, c.detail) {
			t.Errorf("%s: detail %q, want %q", c.body, detail, c.detail)
		}
	}
	if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil); got.Header.Get("ETag") != tag || got.JSON(t)["status"] != "draft" {
		t.Fatalf("a refused body submitted the request: %s", got.Body)
	}
	want(t, submit(" {  } ", "application/json"), http.StatusOK)
	if _, unread := e.inbox("lo-no", ""); unread != 1 {
		t.Fatalf("lo-no has %d unread notifications after the submit, want 1", unread)
	}

	items, _ := e.inbox("lo-no", "")
	one := "/api/v1/me/notifications/" + items[0]["id"].(string) + "/read"
	for _, path := range []string{one, "/api/v1/me/notifications/read-all"} {
		wantProblem(t, e.do("lo-no", http.MethodPost, path, map[string]any{"ids": []string{"x"}}), 422, "invalid", "ids")
		wantProblem(t, e.do("lo-no", http.MethodPost, path, "[1]"), 400, "bad_request")
		if _, unread := e.inbox("lo-no", ""); unread != 1 {
			t.Fatalf("%s: a refused body marked a notification read", path)
		}
	}
	want(t, e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/read-all", map[string]any{}), http.StatusOK)
	want(t, e.do("lo-no", http.MethodPost, one, nil), http.StatusOK)
	if _, unread := e.inbox("lo-no", ""); unread != 0 {
		t.Fatalf("%d unread after read-all with {}", unread)
	}
}
