package web

import (
	"strings"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// maxCursor bounds each paging parameter of the console's lists, as the API
// bounds the position inside its cursors (64 characters).
const maxCursor = 64

// boundedCursors refuses a page whose paging parameters (names) are longer
// than maxCursor or hold anything but visible ASCII, with the 400 page
// naming the parameter, before handler reads them. They are ids and times
// the console wrote into its "next page" links; anything else was made up.
func boundedCursors(handler echo.HandlerFunc, names ...string) echo.HandlerFunc {
	return func(ec echo.Context) error {
		q := ec.QueryParams()
		for _, name := range names {
			for _, v := range q[name] {
				if len(v) > maxCursor || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
					return domain.Errorf(domain.CodeBadRequest,
						"the page parameter %q must be at most %d visible characters; start again from the first page", name, maxCursor)
				}
			}
		}
		return handler(ec)
	}
}
