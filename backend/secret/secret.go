// Package secret hashes and checks secrets (API secrets, passwords, PINs)
// with argon2id and makes random tokens. Nothing that leaves this package
// through Hash can be turned back into the secret.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. Default follows OWASP's minimum
// for argon2id (19 MiB, 2 passes, 1 lane): ~30 ms a check on one core,
// paid once per /auth or login, never per API call.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default is the cost used for every new hash.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const saltLen, keyLen = 16, 32

// ErrMalformed is returned by Verify for a stored hash it cannot parse.
var ErrMalformed = errors.New("secret: malformed hash")

// Hash returns the argon2id PHC string of s:
// $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>.
func Hash(s string) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	p := Default
	sum := argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// Verify reports whether s matches the PHC string phc, in constant time
// with respect to the hash. Hashes made with other parameters still verify.
func Verify(phc, s string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var v int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, ErrMalformed
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, ErrMalformed
	}
	got := argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
const base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Token returns n random characters from [a-z0-9] (the alphabet of the
// cloud's key strings).
func Token(n int) string { return random(alnum, n) }

// Token62 returns n random characters from [A-Za-z0-9].
func Token62(n int) string { return random(base62, n) }

// random draws unbiased characters by rejection sampling.
func random(alphabet string, n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	limit := 256 - 256%len(alphabet)
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// TokenHash is the lookup hash of a high-entropy random token (invitation
// links): SHA-256 is enough when the input has 190+ bits of entropy, and
// lets the token be found by its hash, which a salted hash would not.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Sealer encrypts small secrets at rest (TSS private keys) with AES-256-GCM
// under a data key that lives outside the store.
type Sealer struct{ aead cipher.AEAD }

// NewSealer uses a 32-byte data key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: data key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead}, nil
}

// Seal returns nonce‖ciphertext. aad binds the box to its owner (a TSS
// id), so a sealed key copied to another record does not open.
func (s *Sealer) Seal(plain, aad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, aad)
}

// Open reverses Seal.
func (s *Sealer) Open(box, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(box) < n {
		return nil, errors.New("secret: sealed box too short")
	}
	return s.aead.Open(nil, box[:n], box[n:], aad)
}
