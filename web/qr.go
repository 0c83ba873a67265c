package web

import (
	"fmt"
	"html/template"
	"strings"

	qr "github.com/piglig/go-qr"
)

// qrQuiet is the quiet zone around a QR code, in modules (the standard's 4).
const qrQuiet = 4

// qrSVG draws text as a QR code in an inline SVG: one path of unit squares,
// black on white, with presentation attributes only, so the page's CSP
// (no inline styles, no data: images) holds. Low error correction leaves the
// most room for a signed permit; a screen or print is not a scratched label.
func qrSVG(text, label string) (template.HTML, error) {
	code, err := qr.EncodeText(text, qr.Low)
	if err != nil {
		return "", fmt.Errorf("web: qr code: %w", err)
	}
	n := code.Size()
	side := n + 2*qrQuiet
	var d strings.Builder
	for y := range n {
		for x := range n {
			if code.Module(x, y) {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+qrQuiet, y+qrQuiet)
			}
		}
	}
	svg := fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		side, side, template.HTMLEscapeString(label), side, side, d.String())
	return template.HTML(svg), nil // built of numbers and an escaped label only
}
