package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

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
			"schema": map[string]any{"standard_v1": map[string]any{"receipt": map[string]any{"receipt_type": "RECEIPT", "amounts_per_vat_rate": []map[string]string{{"vat_rate": "NORMAL", "amount": "4.20"}}}}}})
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
		}
		if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 1 || !reps[0].OK || reps[0].SignaturesVerified < 10 {
			t.Fatalf("json: %v %+v", err, reps)
		}
	}
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
