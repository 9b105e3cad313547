package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"filippo.io/nistec"
)

// p256Key verifies ECDSA P-256 signatures of one public key Q faster than
// crypto/ecdsa, for archives where one key signs millions of logs.
//
// ECDSA verification computes u1·G + u2·Q. The base point G has a
// precomputed table in every implementation; Q does not, so crypto/ecdsa
// spends most of a verification on u2·Q: 255 point doublings plus the
// additions of a window table it rebuilds for each signature. Here Q gets
// its own table once — row i holds j·2^(8i)·Q for j = 1…255 — and u2·Q is
// at most 32 table additions and no doublings (a fixed-base comb). The
// arithmetic is filippo.io/nistec, the Go standard library's own P-256
// code (assembly on amd64/arm64) exported as a package. Variable time is
// fine: everything verified is public.
//
// The answer is the same as ecdsa.Verify's for every input
// (TestP256KeyAgreesWithECDSA); the table costs ~1 MiB and a few
// milliseconds, so it is built only for keys with many signatures.
type p256Key struct {
	table [32][255]nistec.P256Point
}

// p256N is the order of the P-256 group.
var p256N = elliptic.P256().Params().N

// newP256Key builds the table of pub, or returns nil if pub is not a
// valid P-256 key.
func newP256Key(pub *ecdsa.PublicKey) *p256Key {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil
	}
	var b [65]byte
	b[0] = 4
	pub.X.FillBytes(b[1:33])
	pub.Y.FillBytes(b[33:])
	q, err := nistec.NewP256Point().SetBytes(b[:])
	if err != nil {
		return nil
	}
	k := new(p256Key)
	base := nistec.NewP256Point().Set(q) // 2^(8i)·Q
	for i := range k.table {
		row := &k.table[i]
		row[0].Set(base)
		for j := 1; j < len(row); j++ {
			row[j].Add(&row[j-1], base)
		}
		base.Double(&row[127]) // 2·128·2^(8i)·Q
	}
	return k
}

// mult returns u·Q for a 32-byte big-endian scalar.
func (k *p256Key) mult(u *[32]byte) *nistec.P256Point {
	acc := nistec.NewP256Point() // the point at infinity
	for i := range k.table {
		if d := u[31-i]; d != 0 {
			acc.Add(acc, &k.table[i][d-1])
		}
	}
	return acc
}

// verify reports whether sig = r‖s (32 bytes each) is a valid signature
// of digest, with crypto/ecdsa's semantics: r and s in [1, n−1], the
// digest truncated to 256 bits, R = u1·G + u2·Q not the point at
// infinity, and R.x ≡ r (mod n).
func (k *p256Key) verify(digest, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(p256N) >= 0 || s.Cmp(p256N) >= 0 {
		return false
	}
	e := hashToInt(digest, p256N)
	w := new(big.Int).ModInverse(s, p256N)
	u1 := e.Mul(e, w)
	u1.Mod(u1, p256N)
	u2 := w.Mul(r, w)
	u2.Mod(u2, p256N)
	var b1, b2 [32]byte
	u1.FillBytes(b1[:])
	u2.FillBytes(b2[:])
	p, err := nistec.NewP256Point().ScalarBaseMult(b1[:])
	if err != nil {
		return false
	}
	x, err := p.Add(p, k.mult(&b2)).BytesX() // an error: the point at infinity
	if err != nil {
		return false
	}
	v := new(big.Int).SetBytes(x)
	if v.Cmp(p256N) >= 0 {
		v.Sub(v, p256N)
	}
	return v.Cmp(r) == 0
}

// P256VerifyRate measures ECDSA P-256 verifications of one key per second
// on all CPUs for d: with crypto/ecdsa (table false), the raw rate of the
// machine, or through the key's table as Verify does for keys with many
// logs. For `fiskaldesk bench machine`: verifying a TAR cannot be faster
// than its logs divided by this.
func P256VerifyRate(d time.Duration, table bool) float64 {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("fiskaldesk"))
	r, s, _ := ecdsa.Sign(rand.Reader, key, digest[:])
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	var k *p256Key
	if table {
		k = newP256Key(&key.PublicKey)
	}
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if k != nil {
					k.verify(digest[:], sig)
				} else {
					ecdsa.Verify(&key.PublicKey, digest[:], r, s)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}
