package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// Bounds on a key set from an identity provider: it is data from another
// system, read on a timer, and must not be able to exhaust memory or CPU.
const (
	MaxJWKSBytes = 64 << 10 // a real key set is a few KiB
	maxJWKSKeys  = 32
	minRSABits   = 2048
	maxRSABits   = 8192 // verification cost grows with the modulus
)

// The algorithms an identity provider's keys may sign with, one per key
// type. HS* is never among them: a public key must never serve as an HMAC
// secret (the key-confusion attack).
const (
	algEdDSA = "EdDSA"
	algES256 = "ES256"
	algRS256 = "RS256"
)

// idpKey is one usable verification key and the one algorithm it verifies.
type idpKey struct {
	alg    string
	public any
}

// jwk is the subset of RFC 7517 fields we read.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// parseJWKS reads a key set and keeps the keys this server can use for
// signatures: Ed25519, P-256 and RSA of 2048 to 8192 bits, each pinned to
// its algorithm. Encryption keys, symmetric keys and other types are left
// out; a set with duplicate key ids, or with no usable key, is refused whole.
func parseJWKS(data []byte) (map[string]idpKey, error) {
	if len(data) > MaxJWKSBytes {
		return nil, fmt.Errorf("key set larger than %d bytes", MaxJWKSBytes)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("key set is not JSON: %w", err)
	}
	if len(set.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("key set holds %d keys, more than %d", len(set.Keys), maxJWKSKeys)
	}
	keys := map[string]idpKey{}
	for _, k := range set.Keys {
		if k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		key, err := k.toKey()
		if err != nil {
			continue // a key we cannot use verifies nothing
		}
		if _, dup := keys[k.Kid]; dup {
			return nil, fmt.Errorf("key set names key id %q twice", k.Kid)
		}
		keys[k.Kid] = key
	}
	if len(keys) == 0 {
		return nil, errors.New("key set holds no usable signing key")
	}
	return keys, nil
}

// toKey decodes the key; the algorithm is the key type's, and a key whose
// alg field names another is refused.
func (k jwk) toKey() (idpKey, error) {
	var alg string
	var pub any
	var err error
	switch {
	case k.Kty == "OKP" && k.Crv == "Ed25519":
		alg = algEdDSA
		pub, err = k.ed25519()
	case k.Kty == "EC" && k.Crv == "P-256":
		alg = algES256
		pub, err = k.p256()
	case k.Kty == "RSA":
		alg = algRS256
		pub, err = k.rsa()
	default:
		return idpKey{}, fmt.Errorf("unsupported key type %s/%s", k.Kty, k.Crv)
	}
	if err != nil {
		return idpKey{}, err
	}
	if k.Alg != "" && k.Alg != alg {
		return idpKey{}, fmt.Errorf("key %s: alg %s does not fit its type", k.Kid, k.Alg)
	}
	return idpKey{alg: alg, public: pub}, nil
}

func (k jwk) ed25519() (ed25519.PublicKey, error) {
	x, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, errors.New("bad Ed25519 key")
	}
	return ed25519.PublicKey(x), nil
}

// p256 decodes a P-256 point; a point off the curve is refused (invalid
// curve attacks).
func (k jwk) p256() (*ecdsa.PublicKey, error) {
	x, errX := base64.RawURLEncoding.DecodeString(k.X)
	y, errY := base64.RawURLEncoding.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("bad P-256 key")
	}
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
}

func (k jwk) rsa() (*rsa.PublicKey, error) {
	n, errN := base64.RawURLEncoding.DecodeString(k.N)
	e, errE := base64.RawURLEncoding.DecodeString(k.E)
	if errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("bad RSA key")
	}
	mod := new(big.Int).SetBytes(n)
	exp := int(new(big.Int).SetBytes(e).Int64())
	if bits := mod.BitLen(); bits < minRSABits || bits > maxRSABits || exp < 3 || exp%2 == 0 {
		return nil, errors.New("RSA key of unsafe size or exponent")
	}
	return &rsa.PublicKey{N: mod, E: exp}, nil
}
