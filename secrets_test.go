package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// postJSON posts v and decodes the JSON answer; it fails on a non-200.
func postJSON(t *testing.T, url string, hdr map[string]string, v any) (map[string]any, http.Header) {
	t.Helper()
	return sendJSON(t, "POST", url, hdr, v)
}

func putJSON(t *testing.T, url string, hdr map[string]string, v any) map[string]any {
	m, _ := sendJSON(t, "PUT", url, hdr, v)
	return m
}

func patchJSON(t *testing.T, url string, hdr map[string]string, v any) map[string]any {
	m, _ := sendJSON(t, "PATCH", url, hdr, v)
	return m
}

func sendJSON(t *testing.T, method, url string, hdr map[string]string, v any) (map[string]any, http.Header) {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, body)
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m, resp.Header
}

// No secret, password, PUK, PIN or invitation token is ever written in clear: after
// real use through HTTP and a clean stop (memtables flushed), no file in
// the data dir — Badger's tables, value logs, manifest, logs, run file —
// contains any of them.
func TestNoSecretInClearInTheDataDir(t *testing.T) {
	data := t.TempDir()
	bootKey, bootSecret := "test_bootstrapkeyforscan", "BootstrapSecret-0123456789-Scan"
	p := start(t, []string{"FISKALDESK_BOOTSTRAP_API_KEY=" + bootKey, "FISKALDESK_BOOTSTRAP_API_SECRET=" + bootSecret},
		"serve", "--data", data, "--addr", "127.0.0.1:0")

	password := "Owner-Password-Never-Stored-42"
	setup, hdr := postJSON(t, p.url+"/api/dashboard/setup", map[string]string{"X-Setup-Token": p.setupToken}, map[string]any{
		"email": "owner@scan.example", "password": password,
		"organization": map[string]any{"name": "Scan GmbH", "address_line1": "Weg 1", "zip": "12345", "town": "Ort", "country_code": "DEU"},
	})
	orgID := setup["organization"].(map[string]any)["_id"].(string)
	csrf := setup["csrf_token"].(string)
	cookie := hdr.Values("Set-Cookie")[0]
	session := map[string]string{"Cookie": strings.Split(cookie, ";")[0], "X-CSRF-Token": csrf}

	key, _ := postJSON(t, p.url+"/api/v0/organizations/"+orgID+"/api-keys", session, map[string]any{"name": "scan-key"})
	inv, _ := postJSON(t, p.url+"/api/v0/organizations/"+orgID+"/users", session, map[string]any{"email": "new@scan.example"})
	tok, _ := postJSON(t, p.url+"/api/v0/auth", map[string]string{"Authorization": "Bearer"}, map[string]string{"api_key": key["key"].(string), "api_secret": key["secret"].(string)})

	// A TSS: its PUK and the admin PIN set with it.
	tssURL := p.url + "/api/v2/tss/" + "5b0c7f5e-4c1a-4b8e-9d7a-1f2e3d4c5b6a"
	bearer := map[string]string{"Authorization": "Bearer " + tok["access_token"].(string)}
	created := putJSON(t, tssURL, bearer, map[string]any{})
	puk := created["admin_puk"].(string)
	patchJSON(t, tssURL, bearer, map[string]string{"state": "UNINITIALIZED"})
	pin := "PinNeverStored-9876"
	patchJSON(t, tssURL+"/admin", bearer, map[string]string{"admin_puk": puk, "new_admin_pin": pin})

	secrets := map[string]string{
		"admin PUK":        puk,
		"admin PIN":        pin,
		"api secret":       key["secret"].(string),
		"bootstrap secret": bootSecret,
		"password":         password,
		"invitation token": strings.TrimPrefix(inv["accept_url"].(string), "/invite/"),
		"setup token":      p.setupToken,
	}
	if p.setupToken == "" {
		t.Fatal("serve printed no setup token on a first start")
	}
	if tok["access_token"] == "" {
		t.Fatal("no token")
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}

	scanned := 0
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned += len(b)
		for what, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s found in clear in %s", what, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scan must have seen the data it looks for: the org name is stored in clear.
	found := false
	_ = filepath.WalkDir(filepath.Join(data, "db"), func(path string, d fs.DirEntry, _ error) error {
		if b, err := os.ReadFile(path); err == nil && !d.IsDir() && bytes.Contains(b, []byte("Scan GmbH")) {
			found = true
		}
		return nil
	})
	if !found || scanned == 0 {
		t.Fatalf("scan saw no data (scanned %d bytes)", scanned)
	}
}
