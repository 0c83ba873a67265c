package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// requestOptions validate a request body against the OpenAPI document as a
// client generated from it, or a gateway checking requests, would: all
// errors at once, without adding defaults. Authentication is the server's
// business.
var requestOptions = &openapi3filter.Options{
	MultiError:              true,
	SkipSettingDefaults:     true,
	AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
}

// checkRequestBody validates a request (method, path, JSON body of the
// given content type, If-Match "1") against the OpenAPI document and
// returns what the document has against it, nil when it allows it.
func checkRequestBody(t testing.TB, spec *openapi3.T, method, path, contentType, body string) error {
	t.Helper()
	router, err := specRouter(spec)
	if err != nil {
		t.Fatalf("OpenAPI router: %v", err)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("If-Match", `"1"`)
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: the OpenAPI document has no such operation: %v", method, path, err)
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: route, Options: requestOptions,
	})
}

// TestOpenAPIRequestPatchNulls: the PATCH body schema (RequestPatch) allows
// null exactly on the members the server accepts it for. A merge patch's
// null removes a member (RFC 7396): an optional one becomes empty and the
// patch is stored, so the schema must allow it, or a client generated from
// the document, or a gateway validating requests against it, refuses a
// patch the server takes. A required one removed always fails the check of
// the merged request (422, "is required"), like the "" the schema already
// refuses, so the schema refuses its null too. (A patch that nulls every
// head count is valid member by member but leaves a total of 0: that is a
// rule over the merged request, which no schema of the patch can express.)
func TestOpenAPIRequestPatchNulls(t *testing.T) {
	cases := []struct {
		patch  string
		status int // the server's answer to the patch on draft()
	}{
		{`{"framework_id": null}`, http.StatusOK},
		{`{"unit": {"parent_formation": null, "commander": null}}`, http.StatusOK},
		{`{"personnel": {"civilian": null, "contractors": null}}`, http.StatusOK},
		{`{"personnel": {"military": null}}`, http.StatusOK},
		{`{"weapons": null}`, http.StatusOK},
		{`{"weapons": {"live_fire": null, "systems": null}}`, http.StatusOK},
		{`{"contact": {"phone": null}}`, http.StatusOK},
		{`{"vehicles": null, "aircraft": null, "vessels": null, "dangerous_goods": null, "training_areas": null}`, http.StatusOK},
		{`{"framework_id": null, "unit": {"commander": null}, "personnel": {"contractors": null},
		   "weapons": {"live_fire": null}, "contact": {"phone": null}, "training_areas": null}`, http.StatusOK},

		{`{"exercise_name": null}`, http.StatusUnprocessableEntity},
		{`{"purpose": null}`, http.StatusUnprocessableEntity},
		{`{"unit": null}`, http.StatusUnprocessableEntity},
		{`{"unit": {"designation": null}}`, http.StatusUnprocessableEntity},
		{`{"period": null}`, http.StatusUnprocessableEntity},
		{`{"period": {"start": null}}`, http.StatusUnprocessableEntity},
		{`{"period": {"end": null}}`, http.StatusUnprocessableEntity},
		{`{"personnel": null}`, http.StatusUnprocessableEntity},
		{`{"movements": null}`, http.StatusUnprocessableEntity},
		{`{"contact": null}`, http.StatusUnprocessableEntity},
		{`{"contact": {"name": null}}`, http.StatusUnprocessableEntity},
		{`{"contact": {"email": null}}`, http.StatusUnprocessableEntity},
	}
	forEachDB(t, func(t *testing.T, e *env) {
		for _, tc := range cases {
			id, tag := e.create("lo-no", draft())
			path := "/api/v1/requests/" + id
			for _, ct := range []string{"application/merge-patch+json", "application/json"} {
				docErr := checkRequestBody(t, e.spec, http.MethodPatch, path, ct, tc.patch)
				switch {
				case tc.status == http.StatusOK && docErr != nil:
					t.Errorf("%s as %s: the server accepts it, the OpenAPI document refuses it: %v", tc.patch, ct, docErr)
				case tc.status != http.StatusOK && docErr == nil:
					t.Errorf("%s as %s: the server refuses it, the OpenAPI document allows it", tc.patch, ct)
				}
			}
			r := e.do("lo-no", http.MethodPatch, path, tc.patch, "If-Match", tag, "Content-Type", "application/merge-patch+json")
			if r.Status != tc.status {
				t.Errorf("%s: status %d, want %d; body: %s", tc.patch, r.Status, tc.status, r.Body)
			}
		}
	})
}
