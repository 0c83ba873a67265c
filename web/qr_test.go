package web

import (
	"image"
	"image/color"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/internal/apptest"

	qr "github.com/piglig/go-qr"
)

// TestPermitQRCode: the permit page of an approved request shows the signed
// permit as a QR code that decodes to exactly the downloadable file, which
// verifies with the log's public key; a request not approved has neither.
func TestPermitQRCode(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	if p := lo.get("/requests/" + id + "/permit"); p.Doc.Find("svg.qr").Length() != 0 || p.Doc.Find(`a[href$="permit.txt"]`).Length() != 0 {
		t.Fatal("a request in review shows a signed permit")
	}
	wantStatus(t, lo.get("/requests/"+id+"/permit.txt"), http.StatusNotFound)
	e.approveAll(id)

	page := lo.get("/requests/" + id + "/permit")
	svg, err := page.Doc.Find(".qr-box").Html()
	if err != nil || !strings.Contains(svg, `aria-label="QR code of the signed permit"`) {
		t.Fatalf("permit page QR: %v %q", err, svg)
	}
	res, err := lo.http.Get(e.srv.URL + "/requests/" + id + "/permit.txt")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	st, err := auditlog.OpenPermit(file, e.signer.VerifierKey())
	if err != nil || st.Status != string(domain.StatusApproved) {
		t.Fatalf("the downloaded permit does not verify: %v %+v", err, st)
	}
	got, err := qr.Decode(rasterize(t, svg))
	if err != nil {
		t.Fatalf("decoding the page's QR code: %v", err)
	}
	if got != string(file) {
		t.Fatalf("the QR code holds %q, the file %q", got, file)
	}
	if p := e.client().signIn("lo-de").get("/requests/" + id + "/permit.txt"); p.Status != http.StatusNotFound {
		t.Fatalf("another nation's permit file: %d", p.Status)
	}
}

var (
	svgBox    = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)
	svgModule = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
)

// rasterize paints the page's SVG (unit squares on a white square) at 4
// pixels a module, as a browser would, for the decoder.
func rasterize(t *testing.T, svg string) image.Image {
	t.Helper()
	const scale = 4
	m := svgBox.FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %q", svg)
	}
	side, _ := strconv.Atoi(m[1])
	img := image.NewGray(image.Rect(0, 0, side*scale, side*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, mod := range svgModule.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(mod[1])
		y, _ := strconv.Atoi(mod[2])
		for dy := range scale {
			for dx := range scale {
				img.SetGray(x*scale+dx, y*scale+dy, color.Gray{})
			}
		}
	}
	return img
}

// A server whose checkpoint key was superseded (another server started
// with a rotated key) signs no permit: the download answers 503, saying
// the key was replaced and an operator must restart the server; the
// permit page still says whether the unit may move, without the QR code,
// and says why.
func TestPermitWithSupersededKey(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.approveAll(id)
	e.audit.WithKeyCheck(e.db, "/keys/checkpoint.key", testLogger())
	e.permits.WithKeyCheckOf(e.audit)
	wantStatus(t, lo.get("/requests/"+id+"/permit.txt"), http.StatusOK)

	apptest.Supersede(t, e.db, e.signer.VerifierKey(), testNow)

	dl := lo.get("/requests/" + id + "/permit.txt")
	wantStatus(t, dl, http.StatusServiceUnavailable)
	if text := dl.Doc.Find("main").Text(); !strings.Contains(text, "signing key was replaced") || !strings.Contains(text, "restart this server with the current key file") {
		t.Errorf("the download's error page does not say why: %q", text)
	}
	page := lo.get("/requests/" + id + "/permit")
	wantStatus(t, page, http.StatusOK)
	if page.Doc.Find("svg.qr").Length() != 0 || page.Doc.Find(`a[href$="permit.txt"]`).Length() != 0 {
		t.Error("the permit page shows a signed permit")
	}
	if note := page.Doc.Find("#unsigned").Text(); !strings.Contains(note, "signing key was replaced") {
		t.Errorf("the permit page does not say why it has no signed permit: %q", note)
	}
	if page.Doc.Find(".banner.may").Length() != 1 {
		t.Error("the permit page no longer says the unit may move")
	}
}
