package main

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fiskaldesk export, against a running server and against a stopped data
// dir, produces files that verify and open.
func TestExportCommand(t *testing.T) {
	data := t.TempDir()
	creds := []string{"FISKALDESK_API_KEY=test_exportkey", "FISKALDESK_API_SECRET=export-secret-0123456789"}
	env := append([]string{"FISKALDESK_BOOTSTRAP_API_KEY=test_exportkey", "FISKALDESK_BOOTSTRAP_API_SECRET=export-secret-0123456789"}, creds...)
	p := start(t, env, "serve", "--data", data, "--addr", "127.0.0.1:0")
	tok := mustCall(t, "POST", p.url+"/api/v2/auth", "", map[string]string{"api_key": "test_exportkey", "api_secret": "export-secret-0123456789"})["access_token"].(string)
	tssID, clients := setupTSS(t, p.url, tok, 1)
	for range 5 {
		tx := p.url + "/api/v2/tss/" + tssID + "/tx/" + uuid.NewString()
		mustCall(t, "PUT", tx+"?tx_revision=1", tok, map[string]any{"state": "ACTIVE", "client_id": clients[0]})
		mustCall(t, "PUT", tx+"?tx_revision=2", tok, map[string]any{"state": "FINISHED", "client_id": clients[0],
			"schema": map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{"receipt_type": "RECEIPT", "amounts_per_vat_rate": []map[string]string{{"vat_rate": "NORMAL", "amount": "10.12"}}}}}})
	}
	dir := t.TempDir()
	tarFile := filepath.Join(dir, "tss.tar")
	out, stderr, code := run(t, env, "export", "tss", "--data", data, "--tss", tssID, "--out", tarFile)
	if code != 0 || !strings.Contains(out, "tss export written to") {
		t.Fatalf("export via the running server: %d %q %q", code, out, stderr)
	}
	if out, _, code := run(t, nil, "verify", tarFile); code != 0 || !strings.Contains(out, "RESULT        OK") {
		t.Fatalf("verify: %d %s", code, out)
	}
	if out, _, code := run(t, nil, "verify", "--json", tarFile); code != 0 {
		t.Fatalf("verify --json: %d", code)
	} else {
		var reps []struct {
			SignaturesVerified int  `json:"signatures_verified"`
			OK                 bool `json:"ok"`
			Chains             []struct {
				Serial, Status string
				Sandbox        bool `json:"sandbox_ca"`
			}
		}
		if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 1 || !reps[0].OK || reps[0].SignaturesVerified < 10 ||
			len(reps[0].Chains) != 1 || reps[0].Chains[0].Status != "verified" || !reps[0].Chains[0].Sandbox {
			t.Fatalf("json: %v %+v", err, reps)
		}
	}
	verifyChainAndTrust(t, tarFile)
	xlsx := filepath.Join(dir, "report.xlsx")
	if _, stderr, code := run(t, env, "export", "report", "--data", data, "--format", "xlsx", "--out", xlsx); code != 0 {
		t.Fatalf("report: %s", stderr)
	}
	if b, _ := os.ReadFile(xlsx); len(b) < 100 || string(b[:2]) != "PK" {
		t.Fatal("report is not an XLSX (zip) file")
	}

	// With the server stopped the command starts one of its own.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	second := filepath.Join(dir, "tss2.tar")
	if out, stderr, code := run(t, env, "export", "tss", "--data", data, "--tss", tssID, "--tx", "3", "--out", second); code != 0 {
		t.Fatalf("export without a server: %d %q %q", code, out, stderr)
	}
	if out, _, code := run(t, nil, "verify", "--partial", second); code != 0 {
		t.Fatalf("verify filtered: %s", out)
	}
	if _, stderr, code := run(t, creds, "export", "tss", "--data", data, "--out", second); code != 2 || !strings.Contains(stderr, "--tss ID is required") {
		t.Fatalf("usage: %d %s", code, stderr)
	}
	tampered, _ := os.ReadFile(tarFile)
	tampered[len(tampered)/2] ^= 0xff
	bad := filepath.Join(dir, "bad.tar")
	_ = os.WriteFile(bad, tampered, 0o600)
	if _, _, code := run(t, nil, "verify", bad); code != 1 {
		t.Fatalf("a tampered TAR must fail verify, exit %d", code)
	}
}

// verifyChainAndTrust runs verify on a fiskaldesk export altered as in
// issue 15 (signer certificate removed, an amount changed), and with
// trust anchors.
func verifyChainAndTrust(t *testing.T, tarFile string) {
	t.Helper()
	dir := t.TempDir()
	orig, _ := os.ReadFile(tarFile)
	members := map[string][]byte{}
	var names []string
	tr := tar.NewReader(bytes.NewReader(orig))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(tr)
		members[h.Name] = b
		names = append(names, h.Name)
	}
	write := func(name string, keep func(n string) bool, edit func(n string, b []byte) []byte) string {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, n := range names {
			if !keep(n) {
				continue
			}
			b := edit(n, members[n])
			_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
			_, _ = tw.Write(b)
		}
		_ = tw.Close()
		f := filepath.Join(dir, name)
		_ = os.WriteFile(f, buf.Bytes(), 0o600)
		return f
	}
	out, _, _ := run(t, nil, "verify", tarFile)
	if !strings.Contains(out, "fiskaldesk Sandbox CA") || !strings.Contains(out, "not a certified TSE") {
		t.Fatalf("the sandbox CA is not said plainly:\n%s", out)
	}
	// The serial is the name of the leaf; the sandbox CA is the other certificate.
	var leaf, ca string
	for _, n := range names {
		if strings.Contains(n, "_X509") {
			if strings.Contains(out, "chain         "+n[:16]) {
				leaf = n
			} else {
				ca = n
			}
		}
	}
	var changed string
	forged := write("forged.tar", func(n string) bool { return n != leaf }, func(n string, b []byte) []byte {
		if changed == "" && strings.Contains(n, "_Finish_") && bytes.Contains(b, []byte("Beleg^10.12")) {
			changed = n
			return bytes.Replace(b, []byte("Beleg^10.12"), []byte("Beleg^90.12"), 1)
		}
		return b
	})
	out, _, code := run(t, nil, "verify", forged)
	if leaf == "" || changed == "" || code != 1 || !strings.Contains(out, "ERROR   signature   "+changed) || !strings.Contains(out, "no certificate for serial") {
		t.Fatalf("leaf %q, changed %q: exit %d\n%s", leaf, changed, code, out)
	}
	// The archive's own CA as trust anchor: trusted. Another: refused.
	anchor := filepath.Join(dir, "anchor.der")
	_ = os.WriteFile(anchor, members[ca], 0o600)
	if out, _, code := run(t, nil, "verify", "--trust", anchor, tarFile); code != 0 || !strings.Contains(out, "TRUSTED") {
		t.Fatalf("own CA as anchor: %d\n%s", code, out)
	}
	if out, _, code := run(t, nil, "verify", "--trust", foreignRoot(t, dir), tarFile); code != 1 || !strings.Contains(out, "UNTRUSTED") {
		t.Fatalf("foreign anchor: %d\n%s", code, out)
	}
}

// foreignRoot writes a foreign self-signed CA certificate as a PEM file.
func foreignRoot(t *testing.T, dir string) string {
	k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "some root"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "foreign.pem")
	_ = os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	return f
}
