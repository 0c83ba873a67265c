package web

import (
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
					return domain.Errorf(domain.CodeBadRequest,
						"the page parameter %q must be at most %d visible characters; start again from the first page", name, domain.MaxCursorPart)
				}
			}
		}
		return handler(ec)
	}
}
