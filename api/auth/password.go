package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP recommendation of 19 MiB memory and two
// passes, about 30 ms on the project machine. Slow enough to make offline
// guessing expensive, fast enough that seeding the demo users stays quick.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
	// MaxPasswordLen bounds the work an attacker can make one sign-in cost.
	MaxPasswordLen = 1024
)

// argonSlots is how many Argon2id computations run at once in this process:
// as many as there are processors, and at least two. Each one holds its
// memory (argonMemory, 19 MiB, more for an older hash whose parameters say
// so) until it ends, so without a bound a burst of sign-ins holds 19 MiB
// each at once: a review's 100 parallel sign-ins with distinct usernames
// (the per-username limit does not stop those) took the process from
// 190 MB to 1.96 GB, and a real sign-in then took 5.9 s. Past the bound a
// computation waits for a slot. Every one takes a slot: hashing,
// verifying, and the verification an unknown username or an account of
// the identity provider spends (BurnVerify), so that they keep the time a
// wrong password takes (docs/security.md, "Memory one request can take").
var argonSlots = max(2, runtime.GOMAXPROCS(0))

// argonSem holds one token for each Argon2id computation running.
var argonSem = make(chan struct{}, argonSlots)

// argonHook, when set (by tests), is told of each computation as it
// starts (+1) and ends (-1), inside its slot.
var argonHook func(delta int)

// idKey is argon2.IDKey in one of the argonSlots. It waits for a slot no
// longer than ctx lives, and answers ctx's error if ctx ends first; once
// it runs, it runs to its end.
func idKey(ctx context.Context, password, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	select {
	case argonSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-argonSem }()
	if argonHook != nil {
		argonHook(1)
		defer argonHook(-1)
	}
	return argon2.IDKey(password, salt, t, m, p, keyLen), nil
}

// HashPassword returns the Argon2id hash of password in the PHC string format,
// which records its own parameters so they can be raised later.
func HashPassword(password string) (string, error) {
	if len(password) > MaxPasswordLen {
		return "", fmt.Errorf("password longer than %d bytes", MaxPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := idKey(context.Background(), []byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC hash. It compares
// in constant time and rejects malformed hashes. It waits for one of the
// argonSlots as long as it takes; VerifyPasswordContext gives up when a
// request ends.
func VerifyPassword(hash, password string) bool {
	ok, _ := VerifyPasswordContext(context.Background(), hash, password)
	return ok
}

// VerifyPasswordContext is VerifyPassword that stops waiting for one of the
// argonSlots when ctx ends, and then answers false with ctx's error.
func VerifyPasswordContext(ctx context.Context, hash, password string) (bool, error) {
	if len(password) > MaxPasswordLen {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, nil
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, nil
	}
	got, err := idKey(ctx, []byte(password), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the username is unknown, so that a
// wrong username and a wrong password take the same time.
var dummyHash, _ = HashPassword("no user has this password")

// BurnVerify spends the time of one password verification and returns false.
func BurnVerify(password string) bool {
	VerifyPassword(dummyHash, password)
	return false
}

// burnVerifyContext is BurnVerify that stops waiting for a slot when ctx
// ends (VerifyPasswordContext).
func burnVerifyContext(ctx context.Context, password string) (bool, error) {
	_, err := VerifyPasswordContext(ctx, dummyHash, password)
	return false, err
}

// OneTimePassword returns a fresh random password (26 base32 characters,
// 128 bits) and its hash, for an account that must choose its own at the
// next sign-in.
func OneTimePassword() (password, hash string, err error) {
	password = rand.Text()
	hash, err = HashPassword(password)
	return password, hash, err
}
