package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
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
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC hash. It compares
// in constant time and rejects malformed hashes.
func VerifyPassword(hash, password string) bool {
	if len(password) > MaxPasswordLen {
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when the username is unknown, so that a
// wrong username and a wrong password take the same time.
var dummyHash, _ = HashPassword("no user has this password")

// BurnVerify spends the time of one password verification and returns false.
func BurnVerify(password string) bool {
	VerifyPassword(dummyHash, password)
	return false
}

// OneTimePassword returns a fresh random password (26 base32 characters,
// 128 bits) and its hash, for an account that must choose its own at the
// next sign-in.
func OneTimePassword() (password, hash string, err error) {
	password = rand.Text()
	hash, err = HashPassword(password)
	return password, hash, err
}
