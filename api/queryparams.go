package api

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

// The query parameters a route accepts are the ones its operation declares
// in the OpenAPI document: one declaration, which the tests already hold
// true. Any other parameter answers 422 naming it, instead of being ignored
// (a misspelt filter would otherwise list everything).

type openAPIParam struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

type openAPIDoc struct {
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Parameters map[string]openAPIParam `yaml:"parameters"`
	} `yaml:"components"`
}

// templateSegment matches a path parameter in either spelling: {id} or :id.
var templateSegment = regexp.MustCompile(`\{[^}/]+\}|:[^/]+`)

// routeKey is "METHOD path" with path parameters made anonymous, so that
// the document's /requests/{id} and Echo's /requests/:id meet.
func routeKey(method, path string) string {
	return strings.ToUpper(method) + " " + templateSegment.ReplaceAllString(path, "*")
}

// queryParams reads, from the OpenAPI document, the query parameters of
// every operation, by routeKey.
func queryParams(doc []byte) (map[string][]string, error) {
	var d openAPIDoc
	if err := yaml.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("api: the OpenAPI document does not parse: %w", err)
	}
	resolve := func(ps []openAPIParam) []string {
		var names []string
		for _, p := range ps {
			if ref, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
				p = d.Components.Parameters[ref]
			}
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		return names
	}
	out := map[string][]string{}
	for path, item := range d.Paths {
		var shared []openAPIParam
		if n, ok := item["parameters"]; ok {
			if err := n.Decode(&shared); err != nil {
				return nil, err
			}
		}
		for method, n := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Parameters []openAPIParam `yaml:"parameters"`
			}
			if err := n.Decode(&op); err != nil {
				return nil, err
			}
			out[routeKey(method, path)] = append(resolve(shared), resolve(op.Parameters)...)
		}
	}
	return out, nil
}

// onlyDeclaredQuery refuses a request carrying a query parameter its route
// does not declare, or one it declares more than once (?status=draft&
// status=bogus: no parameter takes a list, and reading the first alone
// would hide the second), naming every such parameter.
func onlyDeclaredQuery(allowed []string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var unknown, repeated []domain.FieldError
			for name, values := range c.QueryParams() {
				switch {
				case !slices.Contains(allowed, name):
					unknown = append(unknown, domain.FieldError{Field: name, Message: "is not a query parameter of this route"})
				case len(values) > 1:
					repeated = append(repeated, domain.FieldError{Field: name, Message: fmt.Sprintf("is given %d times: give it once", len(values))})
				}
			}
			if len(unknown)+len(repeated) == 0 {
				return next(c)
			}
			byField := func(a, b domain.FieldError) int { return strings.Compare(a.Field, b.Field) }
			slices.SortFunc(unknown, byField)
			slices.SortFunc(repeated, byField)
			if len(unknown) == 0 {
				return &domain.Error{Code: domain.CodeInvalid, Message: "query parameters given more than once", Fields: repeated}
			}
			return &domain.Error{Code: domain.CodeInvalid, Message: "unknown query parameters", Fields: append(unknown, repeated...)}
		}
	}
}

// declaredQuery is the query parameters the document declares for a route;
// a route the document does not describe accepts none.
func (s *Server) declaredQuery(params map[string][]string, method, path string) []string {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	return params[routeKey(method, path)]
}
