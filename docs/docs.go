// Package docs holds the OpenAPI 3 description of the Exercise Access REST
// API. The file openapi.yaml is the API's published contract: it is embedded
// here so that the binary serves exactly the document the tests check, at
// GET /api/v1/openapi.yaml.
//
// The tests in package api keep the document true: every route of the route
// table is described in it (and nothing else is), and every response the
// scenario tests receive is validated against it.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3.0 document of the API, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
