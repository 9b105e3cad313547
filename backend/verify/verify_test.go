//go:debug x509negativeserial=1

package verify

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	dir, err := fixtures.TSEExports()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t *testing.T, name string, b []byte, opt Options) *Report {
	t.Helper()
	r, err := Verify(name, bytes.NewReader(b), opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The figures of testdata/tse-exports/README.md.
func TestFixturesReproduceTheREADME(t *testing.T) {
	cases := []struct {
		file                string
		logs, verified, ber int
		gaps                int
		okStrict            bool
		caNotNamedByItsKey  bool
	}{
		{"2021-09-30_63641_TSE.tar", 141, 141, 0, 5, false, false},
		{"6f4217a1-f8d2-4613-a5d6-171c62560ebe.tar", 668, 668, 0, 0, true, false},
		{"a9f366c7-b735-43b7-8d99-cbb595050a91.tar", 75, 75, 0, 0, true, false},
		{"TSE_Export_01ce3d13-fa87-407c-a65f-6882f8ef8b78_202109171015.tar", 40, 40, 0, 0, true, false},
		{"TSE_Export_12f97c6a-2c23-4dfe-a04d-2d94342789d2_202109171415.tar", 97, 97, 0, 0, true, false},
		{"TSE_Export_1590efe4-1fe2-4c4c-a298-0e6b28858460_202109171330.tar", 42, 42, 0, 0, true, false},
		{"TSE_Export_41b1a3e6-14ca-4715-921e-714dd7783d28_202109171330.tar", 43, 43, 0, 0, true, false},
		{"TSE_Export_6f12d091-517f-4293-9d8f-623c71729e0d_202109171115.tar", 51, 51, 0, 0, true, false},
		{"TSE_Export_accfaa6e-ace5-459c-8dda-30eb1790f738_202109171330.tar", 43, 43, 0, 0, true, false},
		{"TSE_Export_b0fb4017-dffb-4e96-b1ee-3fefeafff612_202109171330.tar", 43, 43, 0, 0, true, false},
		{"TSE_Export_b774e87a-02f9-4018-baa6-ecf2ee5a5f7b_202109171330.tar", 115, 115, 0, 0, true, false},
		{"TSE_Export_e7d7835e-41c0-4aa2-a3c7-3c2bd62c9e9a_202109161500.tar", 10, 10, 0, 0, true, true},
		{"TSSProtokoll_WB_2021-09-27_16_38_27.tar", 12, 12, 0, 0, true, true},
		{"4b5ba740-06fe-4506-9afc-e9f1eabadaa4.tar", 8, 8, 0, 0, true, false},
		{"e37c9746-7959-4b41-bf92-23ca980070a8.tar", 13, 10, 3, 0, true, false},
		{"failedUpdate.tar", 21, 20, 1, 1, false, false},
		{"multiExport.tar", 1636, 1355, 281, 1, false, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b := fixture(t, c.file)
			r := run(t, c.file, b, Options{})
			gaps := 0
			for _, s := range r.Serials {
				gaps += len(s.Gaps)
			}
			if r.Logs != c.logs || r.SignaturesVerified != c.verified || r.SignaturesFailed != 0 || gaps != c.gaps || r.OK != c.okStrict {
				t.Fatalf("logs %d verified %d failed %d not checkable %d gaps %d ok %v", r.Logs, r.SignaturesVerified, r.SignaturesFailed, r.NotCheckable, gaps, r.OK)
			}
			ber := 0
			caMisnamed := false
			for _, f := range r.Findings {
				if strings.Contains(f.Message, "BER indefinite-length") {
					ber++
				}
				if f.Check == "certificate" && strings.Contains(f.Message, "does not name") {
					caMisnamed = true
				}
			}
			if ber != c.ber || caMisnamed != c.caNotNamedByItsKey {
				t.Fatalf("BER logs %d (want %d), CA misnamed %v (want %v)", ber, c.ber, caMisnamed, c.caNotNamedByItsKey)
			}
			// A partial export's gaps are expected with --partial.
			if p := run(t, c.file, b, Options{Partial: true}); !p.OK {
				t.Fatalf("with --partial: %+v", p.Findings)
			}
		})
	}
}

// rewrite copies a TAR, letting edit change, rename or drop members.
func rewrite(t *testing.T, b []byte, edit func(name string, data []byte) (string, []byte, bool)) []byte {
	t.Helper()
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		name, data, keep := edit(h.Name, data)
		if !keep {
			continue
		}
		h.Name, h.Size = name, int64(len(data))
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(data)
	}
	_ = tw.Close()
	return out.Bytes()
}

func hasError(r *Report, check string) bool {
	for _, f := range r.Findings {
		if f.Severity == SevError && f.Check == check {
			return true
		}
	}
	return false
}

func TestTamperingIsFound(t *testing.T) {
	const file = "a9f366c7-b735-43b7-8d99-cbb595050a91.tar"
	orig := fixture(t, file)
	if r := run(t, file, orig, Options{}); !r.OK {
		t.Fatalf("the original must pass: %+v", r.Findings)
	}
	nth := func(n int) func(string) bool {
		i := 0
		return func(name string) bool {
			if !strings.HasSuffix(name, ".log") {
				return false
			}
			i++
			return i == n
		}
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "intruder"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	intruder, _ := x509.CreateCertificate(rand.Reader, tpl, tpl, &other.PublicKey, other)

	cases := map[string]struct {
		edit  func(name string, data []byte) (string, []byte, bool)
		check string
	}{
		"byte flipped in processData or time": {func() func(string, []byte) (string, []byte, bool) {
			hit := nth(10)
			return func(n string, d []byte) (string, []byte, bool) {
				if hit(n) {
					d = bytes.Clone(d)
					d[len(d)-70] ^= 0x01 // inside logTime/counter, before the signature
				}
				return n, d, true
			}
		}(), "signature"},
		"byte flipped in the signature": {func() func(string, []byte) (string, []byte, bool) {
			hit := nth(20)
			return func(n string, d []byte) (string, []byte, bool) {
				if hit(n) {
					d = bytes.Clone(d)
					d[len(d)-1] ^= 0x80
				}
				return n, d, true
			}
		}(), "signature"},
		"log dropped": {func() func(string, []byte) (string, []byte, bool) {
			hit := nth(30)
			return func(n string, d []byte) (string, []byte, bool) { return n, d, !hit(n) }
		}(), "counter"},
		"log renamed": {func() func(string, []byte) (string, []byte, bool) {
			hit := nth(5)
			return func(n string, d []byte) (string, []byte, bool) {
				if hit(n) {
					n = strings.Replace(n, "_Sig-", "_Sig-9", 1)
				}
				return n, d, true
			}
		}(), "name"},
		"leaf certificate swapped": {func(n string, d []byte) (string, []byte, bool) {
			if strings.Contains(n, "_X509") {
				if _, err := x509.ParseCertificate(d); err == nil {
					return n, intruder, true // the parseable one is the P-256 leaf
				}
			}
			return n, d, true
		}, "certificate"},
		"info.csv removed": {func(n string, d []byte) (string, []byte, bool) { return n, d, n != "info.csv" }, "structure"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := run(t, file, rewrite(t, orig, c.edit), Options{})
			if r.OK || !hasError(r, c.check) {
				t.Fatalf("not detected as a %s error: ok=%v %+v", c.check, r.OK, r.Findings)
			}
		})
	}
}

func TestNotATar(t *testing.T) {
	if _, err := Verify("x", strings.NewReader("this is not a tar archive, not at all, really not"), Options{}); err == nil {
		t.Fatal("garbage accepted")
	}
}

// Counter findings name the right members whether the archive can be read
// again (a file: names are looked up by position) or is a stream (names
// kept): the 101st member (Sig-101) replaced by a copy of the 100th
// (Sig-102; the archive is not in counter order) is a duplicate of it and
// leaves counter 101 missing before the original Sig-102, in an archive
// where the P-256 table path runs.
func TestCounterFindingsNameTheirMembers(t *testing.T) {
	const file = "6f4217a1-f8d2-4613-a5d6-171c62560ebe.tar"
	orig := fixture(t, file)
	var logNames []string
	var copied []byte
	i := 0
	b := rewrite(t, orig, func(n string, d []byte) (string, []byte, bool) {
		if !strings.HasSuffix(n, ".log") {
			return n, d, true
		}
		i++
		logNames = append(logNames, n)
		switch i {
		case 100:
			copied = d
		case 101:
			return n, copied, true
		}
		return n, d, true
	})
	seek := run(t, file, b, Options{})
	stream, err := Verify(file, io.MultiReader(bytes.NewReader(b)), Options{}) // no Seek
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Report{seek, stream} {
		var dup, gap *Finding
		for k := range r.Findings {
			f := &r.Findings[k]
			switch {
			case f.Check == "counter" && strings.Contains(f.Message, "appears twice"):
				dup = f
			case f.Check == "counter" && strings.Contains(f.Message, "missing before"):
				gap = f
			}
		}
		if dup == nil || gap == nil {
			t.Fatalf("findings %+v", r.Findings)
		}
		// Sorted by counter, the original log 100 comes first (stable), so
		// the copy is the duplicate and names the original.
		if dup.Member != logNames[100] || !strings.HasSuffix(dup.Message, "(also "+logNames[99]+")") {
			t.Fatalf("duplicate finding %+v; logs 100, 101: %s, %s", dup, logNames[99], logNames[100])
		}
		if gap.Member != logNames[99] || !strings.Contains(gap.Message, "counter(s) 101 missing") {
			t.Fatalf("gap finding %+v, want on %s", gap, logNames[99])
		}
		if r.SignaturesVerified != 668 || r.SignaturesFailed != 0 {
			t.Fatalf("verified %d failed %d", r.SignaturesVerified, r.SignaturesFailed)
		}
	}
	if len(seek.Findings) != len(stream.Findings) {
		t.Fatalf("seekable %d findings, stream %d", len(seek.Findings), len(stream.Findings))
	}
	for k := range seek.Findings {
		if seek.Findings[k] != stream.Findings[k] {
			t.Fatalf("finding %d: %+v vs %+v", k, seek.Findings[k], stream.Findings[k])
		}
	}
}
