package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static/*
var staticFiles_ embed.FS

// staticFiles serves each embedded file under a content-hashed name
// (console.css → console.3f2a9c1b.css), so it can be cached for a year and
// a new build can never be served a stale copy.
type staticFiles struct {
	byHashed map[string][]byte // hashed name → content
	hashed   map[string]string // plain name → "/static/" + hashed name
}

func loadStatic() (*staticFiles, error) {
	names, err := fs.Glob(staticFiles_, "static/*")
	if err != nil {
		return nil, err
	}
	s := &staticFiles{byHashed: map[string][]byte{}, hashed: map[string]string{}}
	for _, n := range names {
		b, err := staticFiles_.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		base := path.Base(n)
		ext := path.Ext(base)
		h := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		s.byHashed[h] = b
		s.hashed[base] = "/static/" + h
	}
	return s, nil
}

// url is the hashed path of a static file; a template naming a missing file
// fails when it runs (and the render tests run every page).
func (s *staticFiles) url(name string) (string, error) {
	if u, ok := s.hashed[name]; ok {
		return u, nil
	}
	return "", fs.ErrNotExist
}

func (c *Console) handleStatic(ec echo.Context) error {
	b, ok := c.static.byHashed[ec.Param("name")]
	if !ok {
		return echo.ErrNotFound
	}
	h := ec.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return ec.Blob(http.StatusOK, mime.TypeByExtension(path.Ext(ec.Param("name"))), b)
}
