package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Every fixture carries its signer's chain: fiskaly LIVE up to the DARZ
// root on brainpoolP384r1, fiskaly TEST up to "fiskaly Test CA", D-Trust
// up to its test root. Each must be reported as verified to that root.
func TestFixtureChainsVerify(t *testing.T) {
	roots := map[string]string{
		"2021-09-30_63641_TSE.tar":                                         "DARZ-TSE-ROOT-CA-01",
		"6f4217a1-f8d2-4613-a5d6-171c62560ebe.tar":                         "DARZ-TSE-ROOT-CA-01",
		"a9f366c7-b735-43b7-8d99-cbb595050a91.tar":                         "DARZ-TSE-ROOT-CA-01",
		"TSE_Export_01ce3d13-fa87-407c-a65f-6882f8ef8b78_202109171015.tar": "DARZ-TSE-ROOT-CA-01",
		"TSE_Export_e7d7835e-41c0-4aa2-a3c7-3c2bd62c9e9a_202109161500.tar": "fiskaly Test CA",
		"TSSProtokoll_WB_2021-09-27_16_38_27.tar":                          "fiskaly Test CA",
		"4b5ba740-06fe-4506-9afc-e9f1eabadaa4.tar":                         "D-TRUST TIM Root Test CA 1 2019",
		"e37c9746-7959-4b41-bf92-23ca980070a8.tar":                         "D-TRUST TIM Root Test CA 1 2019",
		"failedUpdate.tar":                                                 "D-TRUST TIM SW Signing Test CA 1 2019",
		"multiExport.tar":                                                  "D-TRUST TIM SW Signing Test CA 1 2019",
	}
	for file, root := range roots {
		t.Run(file, func(t *testing.T) {
			r := run(t, file, fixture(t, file), Options{Partial: true})
			if len(r.Chains) != 1 {
				t.Fatalf("chains: %+v", r.Chains)
			}
			c := r.Chains[0]
			if c.Status != ChainVerified || !strings.Contains(c.Root, root) || c.Sandbox || len(c.Path) < 2 {
				t.Fatalf("chain %+v, want verified up to %s", c, root)
			}
			if hasError(r, "chain") || hasError(r, "certificate") {
				t.Fatalf("%+v", r.Findings)
			}
		})
	}
}

const liveFixture = "TSE_Export_b774e87a-02f9-4018-baa6-ecf2ee5a5f7b_202109171330.tar"

// The issue's case: the signer certificate removed and an amount changed
// in a Finish log. Signatures are still checked — against the key that
// the signatures themselves yield and that hashes to the serial — so the
// changed log is named, and the missing certificate fails the archive.
func TestMissingCertificateAndChangedAmount(t *testing.T) {
	orig := fixture(t, liveFixture)
	leaf := run(t, liveFixture, orig, Options{}).Chains[0].Serial
	var changed string
	b := rewrite(t, orig, func(n string, d []byte) (string, []byte, bool) {
		if strings.HasPrefix(strings.ToLower(n), leaf+"_x509") {
			return n, d, false
		}
		if changed == "" && strings.Contains(n, "_Finish_") && bytes.Contains(d, []byte("Beleg^2.30")) {
			changed = n
			d = bytes.Replace(d, []byte("Beleg^2.30"), []byte("Beleg^9.30"), 1)
		}
		return n, d, true
	})
	r := run(t, liveFixture, b, Options{})
	if r.OK || changed == "" {
		t.Fatal("an archive without its signer certificate and with a changed amount passed")
	}
	named := false
	for _, f := range r.Findings {
		if f.Severity == SevError && f.Check == "signature" && f.Member == changed {
			named = true
		}
	}
	if !named || r.SignaturesFailed != 1 || r.SignaturesVerified != r.Logs-1 || r.VerifiedWithoutCertificate != r.Logs-1 {
		t.Fatalf("changed log %s not named alone: failed %d verified %d (%d without certificate) of %d: %+v",
			changed, r.SignaturesFailed, r.SignaturesVerified, r.VerifiedWithoutCertificate, r.Logs, r.Findings)
	}
	if r.Chains[0].Status != ChainNoCertificate || !hasError(r, "certificate") {
		t.Fatalf("missing certificate not reported: %+v", r.Chains)
	}

	// Without a change, the signatures all verify, but the missing
	// certificate still fails the archive.
	b = rewrite(t, orig, func(n string, d []byte) (string, []byte, bool) {
		return n, d, !strings.HasPrefix(strings.ToLower(n), leaf+"_x509")
	})
	r = run(t, liveFixture, b, Options{})
	if r.OK || r.SignaturesVerified != r.Logs || r.VerifiedWithoutCertificate != r.Logs {
		t.Fatalf("ok=%v verified %d of %d", r.OK, r.SignaturesVerified, r.Logs)
	}
}

func selfSigned(t *testing.T, cn string, curve elliptic.Curve) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(curve, rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return k, c, der
}

func TestChainTampering(t *testing.T) {
	const file = "TSE_Export_e7d7835e-41c0-4aa2-a3c7-3c2bd62c9e9a_202109161500.tar"
	orig := fixture(t, file)
	_, _, unrelated := selfSigned(t, "unrelated", elliptic.P384())
	// A CA of the same name as fiskaly's test CA, but another key.
	_, _, sameName := func() (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		tpl := &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{Organization: []string{"fiskaly GmbH"}, CommonName: "fiskaly Test CA"},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
		der, _ := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
		return k, nil, der
	}()
	isCA := func(n string, d []byte) bool {
		c, err := parseCert(n, d)
		return err == nil && c.isCA
	}
	for name, c := range map[string]struct {
		ca     []byte
		status string
	}{
		"CA replaced by an unrelated certificate": {unrelated, ChainIncomplete},
		"CA replaced by one of the same name":     {sameName, ChainBroken},
	} {
		t.Run(name, func(t *testing.T) {
			b := rewrite(t, orig, func(n string, d []byte) (string, []byte, bool) {
				if strings.Contains(n, "_X509") && isCA(n, d) {
					return n, c.ca, true
				}
				return n, d, true
			})
			r := run(t, file, b, Options{})
			if r.OK || r.Chains[0].Status != c.status || !hasError(r, "chain") {
				t.Fatalf("ok=%v chain %+v", r.OK, r.Chains)
			}
		})
	}
}

func TestTrustAnchors(t *testing.T) {
	const test = "TSE_Export_e7d7835e-41c0-4aa2-a3c7-3c2bd62c9e9a_202109161500.tar"
	const live = "2021-09-30_63641_TSE.tar"
	rootOf := func(file string) []byte {
		var root []byte
		rewrite(t, fixture(t, file), func(n string, d []byte) (string, []byte, bool) {
			if c, err := parseCert(n, d); err == nil && c.isCA && c.selfIssued() {
				root = d
			}
			return n, d, true
		})
		return root
	}
	darz, fiskalyTest := rootOf(live), rootOf(test)
	// The anchor file may be PEM with several certificates.
	pemFile := append(pemOf(darz), pemOf(fiskalyTest)...)
	anchors, err := ReadTrustFile(pemFile)
	if err != nil || len(anchors) != 2 {
		t.Fatalf("%v %d", err, len(anchors))
	}
	for _, c := range []struct {
		file   string
		trust  [][]byte
		status string
		ok     bool
	}{
		{live, [][]byte{darz}, ChainTrusted, true},
		{live, anchors, ChainTrusted, true},
		{test, [][]byte{fiskalyTest}, ChainTrusted, true},
		{test, [][]byte{darz}, ChainUntrusted, false},
		{live, [][]byte{fiskalyTest}, ChainUntrusted, false},
	} {
		r := run(t, c.file, fixture(t, c.file), Options{Trust: c.trust, Partial: true})
		if r.Chains[0].Status != c.status || r.OK != c.ok || r.TrustAnchors != len(c.trust) {
			t.Errorf("%s with %d anchors: ok=%v %+v", c.file, len(c.trust), r.OK, r.Chains[0])
		}
	}
	// A trust anchor that is an intermediate also vouches (the archive's
	// root is then not needed).
	if _, err := ReadTrustFile([]byte("garbage")); err == nil {
		t.Fatal("garbage accepted as trust anchor")
	}
}

func pemOf(der []byte) []byte {
	var b bytes.Buffer
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	enc := []byte(strings.TrimSpace(b64(der)))
	for len(enc) > 64 {
		b.Write(enc[:64])
		b.WriteByte('\n')
		enc = enc[64:]
	}
	b.Write(enc)
	b.WriteString("\n-----END CERTIFICATE-----\n")
	return b.Bytes()
}

// A fiskaldesk archive: the sandbox CA is reported as such, plainly.
func TestSandboxCAIsSaidPlainly(t *testing.T) {
	caKey, caDER, err := tse.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf, err := tse.IssueLeaf(caKey, caDER, &k.PublicKey, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tse.NewTarWriter(&buf, time.Unix(1700000000, 0))
	_ = tw.Add("info.csv", tse.InfoCSV("t", "0"))
	for _, der := range [][]byte{leaf, caDER} {
		n, _ := tse.CertName(der)
		_ = tw.Add(n, der)
	}
	m := tse.Message{Type: tse.OIDSystemLog, CertifiedData: tse.SystemData("updateTime"), Serial: tse.Serial(&k.PublicKey),
		Algorithm: tse.OIDECDSAPlainSHA256, Counter: 1, UnixTime: 1700000000}
	sig, _ := tse.SignPlain(k, m.DTBS())
	raw := tse.Encode(m.DTBS(), sig)
	l, _ := tse.Parse(raw)
	_ = tw.Add(tse.FileName(l), raw)
	_ = tw.Close()
	r := run(t, "sandbox.tar", buf.Bytes(), Options{})
	if !r.OK || len(r.Chains) != 1 || r.Chains[0].Status != ChainVerified || !r.Chains[0].Sandbox {
		t.Fatalf("ok=%v %+v %+v", r.OK, r.Chains, r.Findings)
	}
	said := false
	for _, f := range r.Findings {
		said = said || (f.Check == "chain" && strings.Contains(f.Message, "not from a certified TSE"))
	}
	if !said {
		t.Fatalf("sandbox CA not named: %+v", r.Findings)
	}
	// With real roots as anchors, a sandbox archive fails.
	_, _, other := selfSigned(t, "BSI root of someone", elliptic.P384())
	if r := run(t, "sandbox.tar", buf.Bytes(), Options{Trust: [][]byte{other}}); r.OK || r.Chains[0].Status != ChainUntrusted {
		t.Fatalf("sandbox archive passed foreign anchors: %+v", r.Chains)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
