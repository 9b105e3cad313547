package tse

import (
	"archive/tar"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"hash"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
)

func fixtureDir(t *testing.T) string {
	dir, err := fixtures.TSEExports()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// readTar returns the members of a TAR by name, in order.
func readTar(t *testing.T, path string) ([]string, map[string][]byte) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		names = append(names, h.Name)
		files[h.Name] = b
	}
	return names, files
}

// keysBySerial maps hex(SHA-256(point)) to the public key of every
// certificate in the archive that Go can parse.
func keysBySerial(files map[string][]byte) map[string]*ecdsa.PublicKey {
	keys := map[string]*ecdsa.PublicKey{}
	for name, b := range files {
		if !strings.Contains(name, "_X509") {
			continue
		}
		if p, _ := pem.Decode(b); p != nil {
			b = p.Bytes
		}
		c, err := x509.ParseCertificate(b)
		if err != nil {
			continue // brainpool CAs, negative serials
		}
		k, ok := c.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			continue
		}
		point := elliptic.Marshal(k.Curve, k.X, k.Y) //nolint:staticcheck // the raw point is what the serial hashes
		sum := sha256.Sum256(point)
		keys[hex.EncodeToString(sum[:])] = k
	}
	return keys
}

// verifyPlain checks a plain r‖s signature over msg.
func verifyPlain(k *ecdsa.PublicKey, h hash.Hash, msg, sig []byte) bool {
	h.Write(msg)
	n := len(sig) / 2
	r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
	return ecdsa.Verify(k, h.Sum(nil), r, s)
}

// The README of the fixtures gives, per file, the number of logs and of
// verifiable signatures; the parser must read every log and, with the
// leaf keys, reproduce the verified count wherever Go can parse the leaf.
func TestParseEveryFixtureLog(t *testing.T) {
	dir := fixtureDir(t)
	want := map[string][2]int{
		"2021-09-30_63641_TSE.tar": {141, 141}, "6f4217a1-f8d2-4613-a5d6-171c62560ebe.tar": {668, 668},
		"a9f366c7-b735-43b7-8d99-cbb595050a91.tar": {75, 75}, "TSE_Export_e7d7835e-41c0-4aa2-a3c7-3c2bd62c9e9a_202109161500.tar": {10, 10},
		"TSSProtokoll_WB_2021-09-27_16_38_27.tar": {12, 12}, "4b5ba740-06fe-4506-9afc-e9f1eabadaa4.tar": {8, 8},
		"e37c9746-7959-4b41-bf92-23ca980070a8.tar": {13, 10}, "multiExport.tar": {1636, 1355},
	}
	entries, _ := os.ReadDir(dir)
	total := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tar") {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			names, files := readTar(t, filepath.Join(dir, e.Name()))
			if names[0] != "info.csv" && e.Name() != "multiExport.tar" {
				t.Logf("first member %s", names[0])
			}
			keys := keysBySerial(files)
			logs, verified, ber := 0, 0, 0
			for _, n := range names {
				if !strings.HasSuffix(n, ".log") {
					continue
				}
				l, err := Parse(files[n])
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				logs++
				if l.BER {
					ber++
					continue
				}
				k := keys[hex.EncodeToString(l.Serial)]
				if k == nil {
					continue
				}
				var h hash.Hash = sha256.New()
				if k.Curve == elliptic.P384() {
					h = sha512.New384()
				}
				if verifyPlain(k, h, l.DTBS, l.Signature) {
					verified++
				}
			}
			total += logs
			if w, ok := want[e.Name()]; ok && (logs != w[0] || verified != w[1]) {
				t.Fatalf("logs %d verified %d (BER %d), README says %d and %d", logs, verified, ber, w[0], w[1])
			}
		})
	}
	if total < 2900 {
		t.Fatalf("read only %d logs", total)
	}
}
