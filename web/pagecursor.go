package web

import (
	"fmt"
	"net/url"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// boundedCursors refuses a page whose paging parameters (names) are not
// what a cursor may hold (domain.CursorPart, as the API's cursors), with the 400 page
// naming the parameter, before handler reads them. They are ids and times
// the console wrote into its "next page" links; anything else was made up.
func boundedCursors(handler echo.HandlerFunc, names ...string) echo.HandlerFunc {
	return func(ec echo.Context) error {
		q := ec.QueryParams()
		for _, name := range names {
			for _, v := range q[name] {
				if !domain.CursorPart(v) {
					return badPageParam(name, fmt.Sprintf("must be at most %d visible characters", domain.MaxCursorPart))
				}
			}
		}
		return handler(ec)
	}
}

// badPageParam is the 400 page of every list page for a paging parameter
// the console did not write: it names the query parameter (name) and why
// it was refused, and sends the user back to the first page.
func badPageParam(name, why string) error {
	return domain.Errorf(domain.CodeBadRequest, "the page parameter %q %s; start again from the first page", name, why)
}

// firstPage is the address of a paged list's first page with the same
// filters (name, value pairs; an empty value is left out), for the
// "First page" link of a later page.
func firstPage(path string, filters ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(filters); i += 2 {
		if filters[i+1] != "" {
			q.Set(filters[i], filters[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
