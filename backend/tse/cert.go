package tse

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"
)

// Names in the sandbox certificates: never a real CA's or BSI's names,
// and plain that this is a software TSS (tse-formats §1.4).
const (
	CAName       = "fiskaldesk Sandbox CA"
	Organization = "fiskaldesk (software TSS, not certified)"
)

// Point returns the 65-byte uncompressed point 04‖X‖Y of a P-256 key.
func Point(pub *ecdsa.PublicKey) []byte {
	k, err := pub.ECDH()
	if err != nil {
		panic(fmt.Sprintf("tse: key not on a NIST curve: %v", err))
	}
	return k.Bytes()
}

// Serial is the TSS serial: SHA-256 over the uncompressed point (§1.3).
func Serial(pub *ecdsa.PublicKey) []byte {
	sum := sha256.Sum256(Point(pub))
	return sum[:]
}

// NewCA creates the per-installation sandbox CA: P-384, self-signed,
// ecdsa-with-SHA384, valid 30 years.
func NewCA(now time.Time) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: CAName, Organization: []string{Organization}, Country: []string{"DE"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(30, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	return key, der, err
}

// IssueLeaf certifies a TSS key: Subject CN and serialNumber carry the
// TSS serial in hex, as verifiers match file names against the CN.
func IssueLeaf(caKey *ecdsa.PrivateKey, caDER []byte, pub *ecdsa.PublicKey, now time.Time) ([]byte, error) {
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	serialHex := hex.EncodeToString(Serial(pub))
	sn, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tpl := &x509.Certificate{
		SerialNumber: sn,
		Subject: pkix.Name{CommonName: serialHex, SerialNumber: serialHex,
			Organization: []string{Organization}, Country: []string{"DE"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(8, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	return x509.CreateCertificate(rand.Reader, tpl, ca, pub, caKey)
}

// SignPlain signs data with SHA-256 and returns r‖s, each 32 bytes.
func SignPlain(key *ecdsa.PrivateKey, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}
