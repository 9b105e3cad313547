package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

func seedTar(t testing.TB) []byte {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var buf bytes.Buffer
	tw := tse.NewTarWriter(&buf, time.Unix(1700000000, 0))
	_ = tw.Add("info.csv", tse.InfoCSV("fuzz", "0"))
	for i := uint64(1); i <= 3; i++ {
		m := tse.Message{Type: tse.OIDSystemLog, CertifiedData: tse.SystemData("updateTime"), Serial: tse.Serial(&k.PublicKey),
			Algorithm: tse.OIDECDSAPlainSHA256, Counter: i, UnixTime: 1700000000}
		sig, err := tse.SignPlain(k, m.DTBS())
		if err != nil {
			t.Fatal(err)
		}
		raw := tse.Encode(m.DTBS(), sig)
		l, _ := tse.Parse(raw)
		_ = tw.Add(tse.FileName(l), raw)
	}
	_ = tw.Close()
	return buf.Bytes()
}

// verify reads archives from anyone: no input may make it panic, and a
// report it returns must add up.
func FuzzVerify(f *testing.F) {
	f.Add(seedTar(f))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Verify("fuzz.tar", bytes.NewReader(b), Options{})
		if err != nil {
			return
		}
		if r.SignaturesVerified+r.SignaturesFailed+r.NotCheckable != r.Logs || r.OK != (r.Errors() == 0) {
			t.Fatalf("report does not add up: %+v", r)
		}
	})
}
