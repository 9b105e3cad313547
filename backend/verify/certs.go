package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ProtonMail/go-crypto/brainpool"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// cert is what the chain and log checks need of a certificate. It is read
// with a small parser of its own rather than crypto/x509, because the CAs
// of certified TSEs (fiskaly's DARZ CAs) use brainpoolP384r1, which x509
// does not parse, and D-Trust's carry negative serial numbers.
type cert struct {
	member    string
	raw       []byte
	tbs       []byte
	subject   []byte // DER Name
	issuer    []byte // DER Name
	name      string // subject, readable
	issName   string // issuer, readable
	sigAlg    asn1.ObjectIdentifier
	sig       []byte
	pub       *ecdsa.PublicKey // nil: not an EC key on a curve this verifier knows
	keyHash   string           // hex SHA-256 of the uncompressed point, as TSS serials and member names are
	curve     string
	isCA      bool
	notBefore time.Time
	notAfter  time.Time
}

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidBasicCons   = asn1.ObjectIdentifier{2, 5, 29, 19}
	// curves by their named-curve OID (RFC 5480, RFC 5639).
	curves = map[string]struct {
		name  string
		curve func() elliptic.Curve
	}{
		"1.2.840.10045.3.1.7":   {"P-256", elliptic.P256},
		"1.3.132.0.34":          {"P-384", elliptic.P384},
		"1.3.132.0.35":          {"P-521", elliptic.P521},
		"1.3.36.3.3.2.8.1.1.7":  {"brainpoolP256r1", brainpool.P256r1},
		"1.3.36.3.3.2.8.1.1.11": {"brainpoolP384r1", brainpool.P384r1},
		"1.3.36.3.3.2.8.1.1.13": {"brainpoolP512r1", brainpool.P512r1},
	}
	// certificate signature algorithms (RFC 5758).
	certHash = map[string]crypto.Hash{
		"1.2.840.10045.4.3.1": crypto.SHA224, "1.2.840.10045.4.3.2": crypto.SHA256,
		"1.2.840.10045.4.3.3": crypto.SHA384, "1.2.840.10045.4.3.4": crypto.SHA512,
	}
)

var errCert = errors.New("not a DER X.509 certificate")

// parseCert reads a DER or PEM certificate.
func parseCert(member string, data []byte) (*cert, error) {
	if p, _ := pem.Decode(data); p != nil {
		data = p.Bytes
	}
	c := &cert{member: member, raw: data}
	in := cryptobyte.String(data)
	var certSeq, tbs, sigAlgSeq cryptobyte.String
	var sigBits asn1.BitString
	if !in.ReadASN1(&certSeq, cbasn1.SEQUENCE) || !in.Empty() ||
		!certSeq.ReadASN1Element(&tbs, cbasn1.SEQUENCE) ||
		!certSeq.ReadASN1(&sigAlgSeq, cbasn1.SEQUENCE) || !sigAlgSeq.ReadASN1ObjectIdentifier(&c.sigAlg) ||
		!certSeq.ReadASN1BitString(&sigBits) {
		return nil, errCert
	}
	c.tbs, c.sig = tbs, sigBits.RightAlign()
	var body, spki, validity cryptobyte.String
	if !tbs.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || // version
		!body.SkipASN1(cbasn1.INTEGER) || // serial: any sign, any size
		!body.SkipASN1(cbasn1.SEQUENCE) || // signature algorithm (repeated outside)
		!body.ReadASN1Element((*cryptobyte.String)(&c.issuer), cbasn1.SEQUENCE) ||
		!body.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!body.ReadASN1Element((*cryptobyte.String)(&c.subject), cbasn1.SEQUENCE) ||
		!body.ReadASN1(&spki, cbasn1.SEQUENCE) {
		return nil, errCert
	}
	c.notBefore, c.notAfter = readTime(&validity), readTime(&validity)
	c.name, c.issName = nameString(c.subject), nameString(c.issuer)
	var alg cryptobyte.String
	var keyAlg, curveOID asn1.ObjectIdentifier
	var point asn1.BitString
	if !spki.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&keyAlg) || !spki.ReadASN1BitString(&point) {
		return nil, errCert
	}
	if keyAlg.Equal(oidECPublicKey) && alg.ReadASN1ObjectIdentifier(&curveOID) {
		if cv, ok := curves[curveOID.String()]; ok {
			c.curve = cv.name
			c.pub = ecPoint(cv.curve(), point.RightAlign())
			if c.pub != nil {
				sum := sha256.Sum256(point.RightAlign())
				c.keyHash = hex.EncodeToString(sum[:])
			}
		}
	}
	// Extensions: [3] { SEQUENCE OF Extension }; only basicConstraints matters here.
	var extsOuter, exts cryptobyte.String
	var present bool
	for !body.Empty() {
		var tag cbasn1.Tag
		var el cryptobyte.String
		if !body.ReadAnyASN1(&el, &tag) {
			return nil, errCert
		}
		if tag == cbasn1.Tag(3).Constructed().ContextSpecific() {
			extsOuter, present = el, true
		}
	}
	if present && extsOuter.ReadASN1(&exts, cbasn1.SEQUENCE) {
		for !exts.Empty() {
			var ext, value cryptobyte.String
			var id asn1.ObjectIdentifier
			if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&id) {
				return nil, errCert
			}
			var critical bool
			if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
				return nil, errCert
			}
			if !ext.ReadASN1(&value, cbasn1.OCTET_STRING) {
				return nil, errCert
			}
			if id.Equal(oidBasicCons) {
				var bc cryptobyte.String
				if value.ReadASN1(&bc, cbasn1.SEQUENCE) && bc.PeekASN1Tag(cbasn1.BOOLEAN) {
					_ = bc.ReadASN1Boolean(&c.isCA)
				}
			}
		}
	}
	return c, nil
}

func readTime(s *cryptobyte.String) time.Time {
	var el cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1Element(&el, &tag) {
		return time.Time{}
	}
	var t time.Time
	if _, err := asn1.Unmarshal(el, &t); err != nil {
		return time.Time{}
	}
	return t
}

func nameString(der []byte) string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdn); err != nil {
		return "(unreadable name)"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}

// ecPoint reads an uncompressed point 04‖X‖Y on curve.
func ecPoint(curve elliptic.Curve, p []byte) *ecdsa.PublicKey {
	size := (curve.Params().BitSize + 7) / 8
	if len(p) != 1+2*size || p[0] != 4 {
		return nil
	}
	x, y := new(big.Int).SetBytes(p[1:1+size]), new(big.Int).SetBytes(p[1+size:])
	if !curve.IsOnCurve(x, y) {
		return nil
	}
	return &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
}

// signedBy reports whether parent's key verifies c's signature.
func (c *cert) signedBy(parent *cert) bool {
	h, ok := certHash[c.sigAlg.String()]
	if !ok || parent.pub == nil {
		return false
	}
	d := h.New()
	d.Write(c.tbs)
	return ecdsa.VerifyASN1(parent.pub, d.Sum(nil), c.sig)
}

func (c *cert) selfIssued() bool { return bytes.Equal(c.subject, c.issuer) }

// sandboxCA: the root is a fiskaldesk installation's own CA.
func (c *cert) sandboxCA() bool {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(c.subject, &rdn); err != nil {
		return false
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.CommonName == tse.CAName
}

// Chain statuses.
const (
	// ChainVerified: every link up to a self-signed root in the archive
	// verifies; no trust anchors were given, so the root is the archive's word.
	ChainVerified = "verified"
	// ChainTrusted: the chain leads to a trust anchor given with --trust.
	ChainTrusted = "trusted"
	// ChainUntrusted: the chain verifies but reaches none of the trust anchors.
	ChainUntrusted = "untrusted"
	// ChainIncomplete: an issuer is neither in the archive nor a trust anchor.
	ChainIncomplete = "incomplete"
	// ChainBroken: a link does not verify, or an issuer is no CA.
	ChainBroken = "broken"
	// ChainNotCheckable: a key of the chain is of a type this verifier
	// cannot use.
	ChainNotCheckable = "not_checkable"
	// ChainNoCertificate: the archive has no certificate for the serial.
	ChainNoCertificate = "no_certificate"
)

// Chain is the certificate chain of one signing TSS serial.
type Chain struct {
	Serial  string   `json:"serial"`
	Status  string   `json:"status"`
	Path    []string `json:"path,omitempty"` // members (or trust anchors) from the leaf up
	Root    string   `json:"root,omitempty"` // subject of the last certificate reached
	Sandbox bool     `json:"sandbox_ca,omitempty"`
	Message string   `json:"message"`
}

// maxChain bounds the path length; real TSE chains have 2 or 3 links.
const maxChain = 8

// buildChain follows issuers from leaf through the archive's certificates
// to a self-signed root or a trust anchor.
func buildChain(leaf *cert, archive, anchors []*cert) Chain {
	ch := Chain{Serial: leaf.keyHash, Path: []string{leaf.member}}
	cur := leaf
	for range maxChain {
		ch.Root = cur.name
		for _, a := range anchors {
			if bytes.Equal(a.raw, cur.raw) {
				ch.Status, ch.Sandbox = ChainTrusted, cur.sandboxCA()
				ch.Message = fmt.Sprintf("chains to the trust anchor %s", a.name)
				return ch
			}
			if bytes.Equal(cur.issuer, a.subject) && a.isCA && cur.signedBy(a) {
				ch.Path = append(ch.Path, a.member)
				ch.Root, ch.Status, ch.Sandbox = a.name, ChainTrusted, a.sandboxCA()
				ch.Message = fmt.Sprintf("chains to the trust anchor %s", a.name)
				return ch
			}
		}
		if cur.pub == nil {
			ch.Status = ChainNotCheckable
			ch.Message = fmt.Sprintf("%s has a key this verifier cannot use (curve %q)", cur.member, cur.curve)
			return ch
		}
		if cur.selfIssued() {
			if !cur.signedBy(cur) {
				ch.Status = ChainBroken
				ch.Message = fmt.Sprintf("the self-signed %s does not verify with its own key", cur.member)
				return ch
			}
			ch.Sandbox = cur.sandboxCA()
			if len(anchors) > 0 {
				ch.Status = ChainUntrusted
				ch.Message = fmt.Sprintf("ends at the root %s in the archive, which is none of the trust anchors given", cur.name)
			} else {
				ch.Status = ChainVerified
				ch.Message = fmt.Sprintf("verifies up to the root %s contained in the archive; no trust anchors given (--trust), so the root itself is not vouched for", cur.name)
			}
			return ch
		}
		var named, issuer *cert
		for _, c := range archive {
			if c != cur && bytes.Equal(c.subject, cur.issuer) {
				named = c
				if c.pub != nil && cur.signedBy(c) {
					issuer = c
					break
				}
			}
		}
		switch {
		case issuer == nil && named == nil:
			ch.Status = ChainIncomplete
			ch.Message = fmt.Sprintf("the issuer of %s (%s) is not in the archive", cur.member, cur.issName)
			return ch
		case issuer == nil:
			ch.Status = ChainBroken
			ch.Message = fmt.Sprintf("the signature of %s does not verify with the key of its issuer %s", cur.member, named.member)
			return ch
		case !issuer.isCA:
			ch.Status = ChainBroken
			ch.Message = fmt.Sprintf("%s, which signs %s, is not a CA certificate", issuer.member, cur.member)
			return ch
		}
		ch.Path = append(ch.Path, issuer.member)
		cur = issuer
	}
	ch.Status = ChainBroken
	ch.Message = fmt.Sprintf("no root within %d links", maxChain)
	return ch
}

// ReadTrustFile returns the DER certificates of a trust-anchor file: PEM
// (one or more CERTIFICATE blocks) or a single DER certificate.
func ReadTrustFile(data []byte) ([][]byte, error) {
	var out [][]byte
	rest := data
	for {
		var p *pem.Block
		p, rest = pem.Decode(rest)
		if p == nil {
			break
		}
		if p.Type == "CERTIFICATE" {
			out = append(out, p.Bytes)
		}
	}
	if len(out) == 0 {
		out = [][]byte{data}
	}
	for _, d := range out {
		c, err := parseCert("trust", d)
		if err != nil {
			return nil, err
		}
		if c.pub == nil {
			return nil, fmt.Errorf("trust anchor %s: key of an unsupported type or curve", c.name)
		}
	}
	return out, nil
}
