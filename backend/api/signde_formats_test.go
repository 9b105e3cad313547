package api

import (
	"archive/tar"
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/fixtures"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// finishedTx signs one receipt and returns the finish answer.
func finishedTx(t *testing.T) (*testApp, cred, string, txResp) {
	a, _, _, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 1)
	txID := uuid.NewString()
	base := "/api/v2/tss/" + tssID + "/tx/" + txID
	a.must(a.do(v, "PUT", base+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[0]}), 200)
	fin := parseTx(t, a.must(a.do(v, "PUT", base+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": clients[0], "schema": receipt("12.34")}), 200))
	return a, v, tssID, fin
}

// openssl, a verifier that shares no code with fiskaldesk, accepts a
// signature once the plain r‖s is DER-wrapped and the key taken from the
// TSS certificate.
func TestOpenSSLVerifiesASignature(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is required for this test (apt-get install openssl)")
	}
	a, v, tssID, fin := finishedTx(t)
	dir := t.TempDir()
	cert, _ := base64.StdEncoding.DecodeString(a.must(a.do(v, "GET", "/api/v2/tss/"+tssID, nil), 200).str("certificate"))
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("tss.der", cert)
	pub, err := exec.Command("openssl", "x509", "-inform", "DER", "-in", certFile, "-pubkey", "-noout").Output()
	if err != nil {
		t.Fatal(err)
	}
	pubFile := write("pub.pem", pub)
	sig, _ := base64.StdEncoding.DecodeString(fin.Signature.Value)
	derSig, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	sigFile := write("sig.der", derSig)
	point, _ := base64.StdEncoding.DecodeString(fin.Signature.PublicKey)
	sum := sha256sum(point)
	msg := txDTBS("FinishTransaction", fin.ClientSerial, []byte("Beleg^12.34_1.07_0.00_0.00_0.00^12.34:Bar_1.07:Unbar"), "Kassenbeleg-V1", fin.Number, sum, fin.Signature.Counter, fin.Log.Timestamp)
	for name, data := range map[string][]byte{"genuine": msg, "tampered": append(bytes.Clone(msg[:len(msg)-1]), msg[len(msg)-1]^1)} {
		out, err := exec.Command("openssl", "dgst", "-sha256", "-verify", pubFile, "-signature", sigFile, write(name+".bin", data)).CombinedOutput()
		ok := err == nil && strings.Contains(string(out), "Verified OK")
		if ok != (name == "genuine") {
			t.Fatalf("%s: openssl said %q (%v)", name, out, err)
		}
	}
}

// fixtureFinish returns the first Finish log of a real fiskaly export.
func fixtureFinish(t *testing.T) *tse.Log {
	dir, err := fixtures.TSEExports()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "2021-09-30_63641_TSE.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatal("no Finish log in the fixture")
		}
		if strings.Contains(h.Name, "_Finish_") {
			b, _ := io.ReadAll(tr)
			l, err := tse.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
	}
}

// Our logs parse with the reader that reads fiskaly's, with the same
// element order, tags, OIDs and encodings.
func TestLogsHaveTheShapeOfFiskalysLogs(t *testing.T) {
	a, v, tssID, fin := finishedTx(t)
	r := a.must(a.do(v, "GET", "/api/v2/tss/"+tssID+"/tx/"+fin.ID+"/log", nil), 200)
	if r.hdr.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("content type %q", r.hdr.Get("Content-Type"))
	}
	ours, err := tse.Parse(r.body)
	if err != nil {
		t.Fatal(err)
	}
	theirs := fixtureFinish(t)
	tags := func(l *tse.Log) (out []uint8) {
		for _, f := range l.CertifiedData {
			out = append(out, f.Tag)
		}
		return out
	}
	if !ours.Type.Equal(theirs.Type) || !ours.Algorithm.Equal(theirs.Algorithm) || !bytes.Equal(tags(ours), tags(theirs)) ||
		len(ours.Serial) != len(theirs.Serial) || len(ours.Signature) != len(theirs.Signature) || ours.TimeFormat != theirs.TimeFormat || ours.BER {
		t.Fatalf("shape differs:\nours   %v %v %v %d %d %s\ntheirs %v %v %v %d %d %s", ours.Type, ours.Algorithm, tags(ours), len(ours.Serial), len(ours.Signature), ours.TimeFormat,
			theirs.Type, theirs.Algorithm, tags(theirs), len(theirs.Serial), len(theirs.Signature), theirs.TimeFormat)
	}
	if string(ours.Field(0)) != "FinishTransaction" || string(ours.Field(1)) != fin.ClientSerial || ours.Counter.Uint64() != fin.Signature.Counter {
		t.Fatalf("fields: %q %q %v", ours.Field(0), ours.Field(1), ours.Counter)
	}
	sig, _ := base64.StdEncoding.DecodeString(fin.Signature.Value)
	if !bytes.Equal(ours.Signature, sig) {
		t.Fatal("the raw log carries another signature than the answer")
	}
}
