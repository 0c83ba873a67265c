package web

import (
	"context"
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
	approve(t, e, id)

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

// approve takes request id through every stage of the default route.
func approve(t *testing.T, e *env, id string) {
	t.Helper()
	ctx := context.Background()
	for _, d := range []struct {
		who, stage string
		role       domain.Role
	}{{"hns", "intake", domain.RoleHNS}, {"range", "range_safety", domain.RoleRange}, {"ops", "operations", domain.RoleOperations}} {
		p := domain.Principal{Subject: d.who, Roles: []domain.Role{d.role}}
		r, err := e.requests.GetRequest(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.approvals.Decide(ctx, p, id, r.Version, domain.DecisionInput{Stage: d.stage, Outcome: domain.OutcomeApprove}); err != nil {
			t.Fatal(err)
		}
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
