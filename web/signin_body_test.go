package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"exaccess/api"
)

// filler is an endless body of "x".
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// countingBody counts what the server read of a body.
type countingBody struct {
	r    io.Reader
	read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// TestSignInReadsOnlyABoundedForm: the sign-in form is read as the
// browser sends it, application/x-www-form-urlencoded, and never past the
// console's cap on a form, with the sign-in limit in front (which reads
// the username) and without it. A multipart body — which Go's parser keeps
// in memory up to some 40 MB and writes to temporary files beyond — is
// refused unread (415), a form over the cap is refused (413), and no
// temporary file is written. (A review found one 300 MB multipart sign-in
// writing 295 MB to TMPDIR, and 20 of 40 MB taking 2 GB of memory: the
// limit parsed the body before the console's cap.) A form sent as the
// browser sends it still signs in.
func TestSignInReadsOnlyABoundedForm(t *testing.T) {
	envs := map[string]*env{
		"limited":   newEnvWith(t, storagetestSQLite(t), false, api.NewRateLimiter(api.DefaultRateLimits(), time.Now)),
		"unlimited": newEnv(t, storagetestSQLite(t), false),
	}
	tmps := t.TempDir() // made before TMPDIR is set, as t.TempDir uses it
	const big = 40 << 20
	part := func(disposition string) io.Reader {
		return io.MultiReader(strings.NewReader("--B\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nhns\r\n"+
			"--B\r\nContent-Disposition: "+disposition+"\r\n\r\n"), io.LimitReader(filler{}, big), strings.NewReader("\r\n--B--\r\n"))
	}
	cases := []struct {
		name, contentType string
		body              func() io.Reader
		want              int
	}{
		{"multipart file part", "multipart/form-data; boundary=B",
			func() io.Reader { return part(`form-data; name="password"; filename="p.bin"`) }, http.StatusUnsupportedMediaType},
		{"multipart field", "multipart/form-data; boundary=B",
			func() io.Reader { return part(`form-data; name="password"`) }, http.StatusUnsupportedMediaType},
		{"no content type", "",
			func() io.Reader { return strings.NewReader("username=hns&password=" + testPassword) }, http.StatusUnsupportedMediaType},
		{"form over the cap", "application/x-www-form-urlencoded",
			func() io.Reader {
				return io.MultiReader(strings.NewReader("username=hns&password="), io.LimitReader(filler{}, big))
			}, http.StatusRequestEntityTooLarge},
	}
	for name, e := range envs {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				tmp, err := os.MkdirTemp(tmps, "case")
				if err != nil {
					t.Fatal(err)
				}
				t.Setenv("TMPDIR", tmp) // where multipart file parts would go
				body := &countingBody{r: tc.body()}
				req := httptest.NewRequest(http.MethodPost, "/sign-in", body)
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				rec := httptest.NewRecorder()
				e.handler.ServeHTTP(rec, req)
				if rec.Code != tc.want {
					t.Errorf("status %d, want %d", rec.Code, tc.want)
				}
				if body.read > maxForm+1 {
					t.Errorf("the server read %d bytes of the body, past the form's cap of %d", body.read, maxForm)
				}
				if files, _ := os.ReadDir(tmp); len(files) > 0 {
					t.Errorf("the body went to %d temporary files", len(files))
				}
			})
		}
		t.Run(name+"/form as a browser sends it", func(t *testing.T) {
			form := url.Values{"username": {"hns"}, "password": {testPassword}, "next": {"/"}}
			req := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther {
				t.Errorf("sign-in: %d, want 303", rec.Code)
			}
		})
	}
}
