package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"math/big"
)

// recoverKey finds the public key that made sig over digest and whose
// SHA-256 (of its uncompressed point) is serial. ECDSA signatures admit a
// few candidate keys (SEC 1 §4.1.6); the TSS serial picks the one that
// signed. So an archive that lacks its signer certificate still has every
// log checked: a changed log yields a key that does not hash to its
// serial. Only the NIST curves are tried, the ones TSEs sign logs with.
func recoverKey(serial, digest, sig []byte) *ecdsa.PublicKey {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		size := (curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			continue
		}
		for _, k := range candidates(curve, digest, sig[:size], sig[size:]) {
			p, err := k.ECDH()
			if err != nil {
				continue
			}
			if sum := sha256.Sum256(p.Bytes()); bytes.Equal(sum[:], serial) {
				return k
			}
		}
	}
	return nil
}

// candidates are the keys Q = r⁻¹(s·R − e·G) for every point R with
// x-coordinate r (+ j·n).
//
//nolint:staticcheck // the deprecated point arithmetic is the only public API for it
func candidates(curve elliptic.Curve, digest, rb, sb []byte) []*ecdsa.PublicKey {
	params := curve.Params()
	n := params.N
	r, s := new(big.Int).SetBytes(rb), new(big.Int).SetBytes(sb)
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return nil
	}
	e := hashToInt(digest, n)
	rInv := new(big.Int).ModInverse(r, n)
	u1 := new(big.Int).Neg(e)
	u1.Mul(u1, rInv).Mod(u1, n)
	u2 := new(big.Int).Mul(s, rInv)
	u2.Mod(u2, n)
	size := (params.BitSize + 7) / 8
	var out []*ecdsa.PublicKey
	for j := int64(0); j < 2; j++ {
		x := new(big.Int).Add(r, new(big.Int).Mul(big.NewInt(j), n))
		if x.Cmp(params.P) >= 0 {
			break
		}
		for _, prefix := range []byte{2, 3} {
			Rx, Ry := elliptic.UnmarshalCompressed(curve, append([]byte{prefix}, x.FillBytes(make([]byte, size))...))
			if Rx == nil {
				continue
			}
			x1, y1 := curve.ScalarBaseMult(u1.FillBytes(make([]byte, size)))
			x2, y2 := curve.ScalarMult(Rx, Ry, u2.FillBytes(make([]byte, size)))
			qx, qy := curve.Add(x1, y1, x2, y2)
			if qx.Sign() == 0 && qy.Sign() == 0 {
				continue
			}
			out = append(out, &ecdsa.PublicKey{Curve: curve, X: qx, Y: qy})
		}
	}
	return out
}

// hashToInt converts a digest to an integer as ECDSA does: its leftmost
// bits, as many as the order has.
func hashToInt(digest []byte, n *big.Int) *big.Int {
	bits := n.BitLen()
	if size := (bits + 7) / 8; len(digest) > size {
		digest = digest[:size]
	}
	e := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - bits; excess > 0 {
		e.Rsh(e, uint(excess))
	}
	return e
}
