// Package historycursor seals the positions of a walk through a request's
// history, for the API's cursors (next_cursor) and the console's "older
// entries" links alike. A position is an entry's index in the whole audit
// log, which a liaison officer must not learn: the gaps between a
// request's indexes count every other nation's entries. So a position
// leaves the server only sealed (AES-GCM under a key derived from the
// token signing key, KeyLabel): opaque to every caller, and a value
// altered or made up does not open. Every replica signs with the same key
// and so opens another's values; a new signing key makes the old ones
// refused (a client starts its walk again).
//
// A position is also bound to its request: the request's id is the
// sealing's additional data, so a value sealed for one request does not
// open for another (a position in one history is no place in another,
// and walking on from it would skip entries or answer an empty page).
package historycursor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"

	"exaccess/api/auth"
)

// KeyLabel names the key positions are sealed with (auth.Tokens.DeriveKey).
const KeyLabel = "exaccess-history-cursor/v1"

// The prefixes of a position's text: a walk oldest first (as every API
// cursor issued before the order parameter existed), and newest first.
const (
	OldestPrefix = "h1:"
	NewestPrefix = "h1n:"
)

// MaxSealed bounds a sealed value before any work is done on it: 12 bytes
// of nonce, at most 24 of text and 16 of tag are 70 characters.
const MaxSealed = 96

// Cursor is where a walk of a history goes on: past the entry with index
// Index, towards newer entries, or with Newest towards older ones. It is
// sealed for one request (Seal) and opens for that one only; the caller's
// right to read it and what they may see of it are checked afresh on
// every page.
type Cursor struct {
	Index  int64
	Newest bool
}

// Encode is c's text before sealing: a prefix and the index in decimal.
func Encode(c Cursor) string {
	prefix := OldestPrefix
	if c.Newest {
		prefix = NewestPrefix
	}
	return prefix + strconv.FormatInt(c.Index, 10)
}

// Decode reads the text Encode wrote; ok is false for anything else.
func Decode(s string) (Cursor, bool) {
	var c Cursor
	digits, ok := strings.CutPrefix(s, OldestPrefix)
	if !ok {
		if digits, ok = strings.CutPrefix(s, NewestPrefix); !ok {
			return Cursor{}, false
		}
		c.Newest = true
	}
	idx, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || idx < 0 || strconv.FormatInt(idx, 10) != digits {
		return Cursor{}, false
	}
	c.Index = idx
	return c, true
}

// Sealer seals and opens cursors under one key.
type Sealer struct{ aead cipher.AEAD }

// ForTokens is the sealer of the server whose tokens t signs: its key is
// derived from the token signing key, so the API and the console, and
// every replica, open each other's cursors. Without tokens (a server that
// issues and accepts none of its own, in tests) the key is random.
func ForTokens(t *auth.Tokens) *Sealer {
	if t != nil {
		return New(t.DeriveKey(KeyLabel))
	}
	return New(nil)
}

// New is a sealer with key (32 bytes); nil is a random key.
func New(key []byte) *Sealer {
	if key == nil {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead}
}

// Seal is c sealed for the request with id request (its id, not its
// reference), in unpadded base64url; two seals of one cursor differ (a
// fresh nonce each), so comparing them tells nothing either. The id is
// the sealing's additional data: authenticated, not carried, so the value
// is no longer for it.
func (s *Sealer) Seal(request string, c Cursor) string {
	n := s.aead.NonceSize()
	nonce := make([]byte, n, n+40)
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(Encode(c)), []byte(request)))
}

// Open is the cursor v holds for the request with id request; ok is false
// for anything Seal did not write for that request under this key: a raw
// index, a value altered, one sealed under another key, one sealed for
// another request (or before cursors were bound to their request).
func (s *Sealer) Open(request, v string) (Cursor, bool) {
	if len(v) > MaxSealed {
		return Cursor{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	n := s.aead.NonceSize()
	if err != nil || len(b) < n {
		return Cursor{}, false
	}
	text, err := s.aead.Open(nil, b[:n], b[n:], []byte(request))
	if err != nil {
		return Cursor{}, false
	}
	return Decode(string(text))
}
