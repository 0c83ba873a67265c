package auditlog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// A retired checkpoint key may be bounded to the trees it signed. A key
// that was once readable by others (one an earlier version kept in the
// database) can still sign; without a bound, a forged tree larger than any
// it really signed would verify with it. In a list of verifier keys, KEY@N
// trusts KEY only for checkpoints of at most N entries.

// NoBound is the bound of a key trusted for checkpoints of any size.
const NoBound int64 = -1

// trustedKey is one verifier key of a list and the largest tree size it is
// trusted to have signed.
type trustedKey struct {
	verifier note.Verifier
	text     string // the verifier key as given, to name it
	max      int64  // NoBound, or the largest tree size
}

// trustedKeys is a parsed list of verifier keys.
type trustedKeys []trustedKey

// BoundKeys returns the verifier keys of text (one per line), each trusted
// only for checkpoints of at most max entries (none when max is NoBound),
// in the form OpenCheckpoint reads. text must hold plain verifier keys and
// nothing else: a bound is given by whoever hands the keys over, not read
// from a key file.
func BoundKeys(text string, max int64) (string, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return "", errors.New("no verifier key given")
	}
	if holdsSigningKey(text) {
		return "", errSigningKey
	}
	var b strings.Builder
	for _, f := range fields {
		if _, err := note.NewVerifier(f); err != nil {
			return "", fmt.Errorf("%s is not a verifier key: %w", quoteShort(f), err)
		}
		b.WriteString(f)
		if max != NoBound {
			fmt.Fprintf(&b, "@%d", max)
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// errSigningKey refuses the private checkpoint signing key given where a
// verifier key belongs, without echoing it.
var errSigningKey = errors.New("this is the private checkpoint signing key, not a verifier key; give the public key that `exaccess audit key` prints")

// holdsSigningKey: text holds a private signing key anywhere, alone or
// inside other text (a JSON or environment file given as a key file).
func holdsSigningKey(text string) bool { return strings.Contains(text, "PRIVATE+KEY+") }

// quoteShort quotes what was given as a key as far as its first 48 bytes,
// so that an error never carries a whole file's word.
func quoteShort(s string) string {
	if len(s) > 48 {
		return strconv.Quote(s[:48]) + "…"
	}
	return strconv.Quote(s)
}

// parseKeys reads one or more verifier keys, one per line, each plain or
// KEY@N. A key given more than once is trusted as far as its smallest
// bound: a bound someone gave is never lifted by another line.
func parseKeys(keys string) (trustedKeys, error) {
	if holdsSigningKey(keys) {
		return nil, errSigningKey
	}
	var out trustedKeys
	seen := map[string]int{}
	for _, line := range strings.Fields(keys) {
		text, max, err := splitBound(line)
		if err != nil {
			return nil, err
		}
		if i, ok := seen[text]; ok {
			if out[i].max == NoBound || (max != NoBound && max < out[i].max) {
				out[i].max = max
			}
			continue
		}
		v, err := note.NewVerifier(text)
		if err != nil {
			return nil, fmt.Errorf("the verifier key is malformed: %w", err)
		}
		seen[text] = len(out)
		out = append(out, trustedKey{verifier: v, text: text, max: max})
	}
	if len(out) == 0 {
		return nil, errors.New("no verifier key given")
	}
	return out, nil
}

// splitBound splits KEY@N. A verifier key is name+hash+base64 and neither
// its hash nor its base64 holds '@', so an '@' after the last '+' is a
// bound (a key's name may hold '@').
func splitBound(line string) (string, int64, error) {
	at := strings.LastIndexByte(line, '@')
	if at < 0 || at < strings.LastIndexByte(line, '+') {
		return line, NoBound, nil
	}
	n, ok := ParseBound(line[at+1:])
	if !ok {
		return "", 0, fmt.Errorf("the verifier key %s: after '@' comes the largest tree size the key is trusted for, a whole number", quoteShort(line))
	}
	return line[:at], n, nil
}

// ParseBound reads the N of KEY@N or FILE@N: a whole number, digits only
// (no sign, no spaces), that fits an int64.
func ParseBound(s string) (int64, bool) {
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// bounded reports whether any key of the list has a bound.
func (ks trustedKeys) bounded() bool {
	for _, k := range ks {
		if k.max != NoBound {
			return true
		}
	}
	return false
}

func (ks trustedKeys) verifiers() note.Verifiers {
	vs := make([]note.Verifier, len(ks))
	for i, k := range ks {
		vs[i] = k.verifier
	}
	return note.VerifierList(vs...)
}

// allow checks that at least one of the verified signatures sigs is by a
// key trusted for a tree of size n, and names the key and its bound when
// none is.
func (ks trustedKeys) allow(sigs []note.Signature, n int64) error {
	var over *trustedKey
	for _, sig := range sigs {
		for i := range ks {
			k := &ks[i]
			if k.verifier.Name() != sig.Name || k.verifier.KeyHash() != sig.Hash {
				continue
			}
			if k.max == NoBound || n <= k.max {
				return nil
			}
			if over == nil {
				over = k
			}
		}
	}
	if over == nil {
		return errors.New("the checkpoint is not signed by the log's key")
	}
	return fmt.Errorf("the checkpoint of size %d is signed by key %s, which is trusted only for checkpoints of up to %d entries",
		n, over.text, over.max)
}
