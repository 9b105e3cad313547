package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"math/big"
	"testing"
)

// The comb path answers exactly as crypto/ecdsa for valid signatures and
// for every kind of broken one: changed digest, r or s changed, zero, n,
// above n, swapped, the high-s twin (valid for ECDSA too), another key's
// signature, wrong lengths, and digests longer than 256 bits.
func TestP256KeyAgreesWithECDSA(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k := newP256Key(&key.PublicKey)
	if k == nil {
		t.Fatal("no table for a P-256 key")
	}
	if newP256Key(&ecdsa.PublicKey{Curve: elliptic.P384()}) != nil {
		t.Fatal("table for a P-384 key")
	}
	n := p256N
	sig := func(priv *ecdsa.PrivateKey, d []byte) (r, s *big.Int) {
		r, s, err := ecdsa.Sign(rand.Reader, priv, d)
		if err != nil {
			t.Fatal(err)
		}
		return r, s
	}
	enc := func(r, s *big.Int) []byte {
		b := make([]byte, 64)
		if r.Sign() >= 0 && r.BitLen() <= 256 {
			r.FillBytes(b[:32])
		}
		if s.Sign() >= 0 && s.BitLen() <= 256 {
			s.FillBytes(b[32:])
		}
		return b
	}
	checked, valid := 0, 0
	check := func(name string, d []byte, r, s *big.Int) {
		t.Helper()
		b := enc(r, s)
		rr, ss := new(big.Int).SetBytes(b[:32]), new(big.Int).SetBytes(b[32:])
		want := ecdsa.Verify(&key.PublicKey, d, rr, ss)
		if got := k.verify(d, b); got != want {
			t.Fatalf("%s: comb %v, crypto/ecdsa %v", name, got, want)
		}
		checked++
		if want {
			valid++
		}
	}
	for i := range 300 {
		d := sha256.Sum256(fmt.Append(nil, "log", i))
		r, s := sig(key, d[:])
		check("valid", d[:], r, s)
		check("high s", d[:], r, new(big.Int).Sub(n, s))
		bad := d
		bad[i%32] ^= 1 << (i % 8)
		check("digest changed", bad[:], r, s)
		check("r+1", d[:], new(big.Int).Add(r, big.NewInt(1)), s)
		check("s+1", d[:], r, new(big.Int).Add(s, big.NewInt(1)))
		check("swapped", d[:], s, r)
		or, os := sig(other, d[:])
		check("other key", d[:], or, os)
		if i < 20 {
			check("r=0", d[:], big.NewInt(0), s)
			check("s=0", d[:], r, big.NewInt(0))
			check("r=n", d[:], n, s)
			check("s=n", d[:], r, n)
			check("r=n+r", d[:], new(big.Int).Add(n, r), s)
			long := sha512.Sum384(fmt.Append(nil, "long", i))
			lr, ls := sig(key, long[:])
			check("SHA-384 digest", long[:], lr, ls)
			short := d[:20]
			sr, ss := sig(key, short)
			check("short digest", short, sr, ss)
		}
	}
	if k.verify(make([]byte, 32), make([]byte, 63)) {
		t.Fatal("63-byte signature accepted")
	}
	if valid < 640 || checked < 2200 {
		t.Fatalf("only %d checks, %d valid", checked, valid)
	}
}

func BenchmarkP256Verify(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d := sha256.Sum256([]byte("log"))
	r, s, _ := ecdsa.Sign(rand.Reader, key, d[:])
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	b.Run("crypto/ecdsa", func(b *testing.B) {
		for range b.N {
			if !ecdsa.Verify(&key.PublicKey, d[:], r, s) {
				b.Fatal("invalid")
			}
		}
	})
	k := newP256Key(&key.PublicKey)
	b.Run("comb", func(b *testing.B) {
		for range b.N {
			if !k.verify(d[:], sig) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("table", func(b *testing.B) {
		for range b.N {
			newP256Key(&key.PublicKey)
		}
	})
}
