package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The loopback server's defences against the browser next to it
// (docs/security.md), through the real binary and a real listener: the
// Host allow-list, the one-time setup token printed with the URL, JSON-only
// cookie routes and CSRF.

type answer struct {
	status int
	code   string
	hdr    http.Header
	body   []byte
}

func send(t *testing.T, method, url string, hdr map[string]string, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(b, &e)
	return answer{resp.StatusCode, e.Code, resp.Header, b}
}

func TestLoopbackServerDistrustsTheBrowser(t *testing.T) {
	data := t.TempDir()
	boot := []string{"FISKALDESK_BOOTSTRAP_API_KEY=test_browserkey", "FISKALDESK_BOOTSTRAP_API_SECRET=browser-secret-0123456789"}
	p := start(t, boot, "serve", "--data", data, "--addr", "127.0.0.1:0", "--allowed-hosts", "kasse.example")
	if len(p.setupToken) < 32 {
		t.Fatalf("serve printed no setup token: %q", p.setupToken)
	}
	port := p.url[strings.LastIndex(p.url, ":")+1:]
	want := func(a answer, status int, code string) {
		t.Helper()
		if a.status != status || a.code != code {
			t.Fatalf("got %d %s, want %d %s", a.status, a.body, status, code)
		}
	}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{"Content-Type": "application/json", "X-Setup-Token": p.setupToken}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	setupBody := `{"email":"owner@shop.example","password":"owner password 1","organization":{"name":"Shop GmbH","address_line1":"Weg 1","zip":"12345","town":"Ort","country_code":"DEU"}}`

	// DNS rebinding: another name for 127.0.0.1 gets nothing.
	want(send(t, "GET", p.url+"/api/dashboard/setup", map[string]string{"Host": "attacker.example:" + port}, ""), 421, "E_MISDIRECTED_REQUEST")
	want(send(t, "GET", p.url+"/", map[string]string{"Host": "attacker.example"}, ""), 421, "E_MISDIRECTED_REQUEST")
	want(send(t, "GET", p.url+"/api/dashboard/setup", map[string]string{"Host": "localhost:" + port}, ""), 200, "")
	want(send(t, "GET", p.url+"/api/dashboard/setup", map[string]string{"Host": "kasse.example:" + port}, ""), 200, "") // --allowed-hosts

	// With a bootstrap key the installation still has no administrator:
	// setup is open, but only with the token, as JSON, from our origin.
	if s := send(t, "GET", p.url+"/api/dashboard/setup", nil, ""); !bytes.Contains(s.body, []byte(`"required":true`)) {
		t.Fatalf("setup status %s", s.body)
	}
	want(send(t, "POST", p.url+"/api/dashboard/setup", jsonCT, setupBody), 403, "E_SETUP_TOKEN")
	want(send(t, "POST", p.url+"/api/dashboard/setup", with(map[string]string{"Content-Type": "text/plain"}), setupBody), 415, "E_UNSUPPORTED_MEDIA_TYPE")
	want(send(t, "POST", p.url+"/api/dashboard/setup", with(map[string]string{"Origin": "http://attacker.example"}), setupBody), 403, "E_CROSS_ORIGIN")
	want(send(t, "POST", p.url+"/api/dashboard/setup", with(map[string]string{"Host": "attacker.example:" + port}), setupBody), 421, "E_MISDIRECTED_REQUEST")
	ok := send(t, "POST", p.url+"/api/dashboard/setup", with(map[string]string{"Origin": p.url}), setupBody)
	want(ok, 200, "")
	want(send(t, "POST", p.url+"/api/dashboard/setup", with(nil), setupBody), 409, "E_SETUP_DONE")

	// The session: CSRF header and JSON bodies on every change.
	var s struct {
		CSRF string `json:"csrf_token"`
		Org  struct {
			ID string `json:"_id"`
		} `json:"organization"`
	}
	_ = json.Unmarshal(ok.body, &s)
	cookie := strings.Split(ok.hdr.Get("Set-Cookie"), ";")[0]
	keys := p.url + "/api/v0/organizations/" + s.Org.ID + "/api-keys"
	want(send(t, "POST", keys, map[string]string{"Cookie": cookie, "Content-Type": "application/json"}, `{"name":"stolen"}`), 403, "E_CSRF")
	want(send(t, "POST", keys, map[string]string{"Cookie": cookie, "X-CSRF-Token": s.CSRF, "Content-Type": "text/plain"}, `{"name":"stolen"}`), 415, "E_UNSUPPORTED_MEDIA_TYPE")
	want(send(t, "POST", keys, map[string]string{"Cookie": cookie, "X-CSRF-Token": s.CSRF, "Content-Type": "application/json", "Origin": "http://attacker.example"}, `{"name":"stolen"}`), 403, "E_CROSS_ORIGIN")
	want(send(t, "POST", keys, map[string]string{"Cookie": cookie, "X-CSRF-Token": s.CSRF, "Content-Type": "application/json"}, `{"name":"pos-key"}`), 200, "")

	// The dashboard and the APIs carry the security headers.
	page := send(t, "GET", p.url+"/", nil, "")
	api := send(t, "GET", p.url+"/api/dashboard/setup", nil, "")
	for name, h := range map[string]http.Header{"dashboard": page.hdr, "api": api.hdr} {
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("%s headers %v", name, h)
		}
	}
	if api.hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("API Cache-Control %q", api.hdr.Get("Cache-Control"))
	}
	// A POS stays as sloppy as before: no JSON type, an empty Bearer.
	want(send(t, "POST", p.url+"/api/v2/auth", map[string]string{"Authorization": "Bearer"}, `{"api_key":"test_browserkey","api_secret":"browser-secret-0123456789"}`), 200, "")

	// The token was printed, never logged; a restart prints none.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	logs, _ := os.ReadFile(filepath.Join(data, "logs", "fiskaldesk.log"))
	if len(logs) == 0 || bytes.Contains(logs, []byte(p.setupToken)) {
		t.Fatalf("log file (%d bytes) holds the setup token", len(logs))
	}
	if again := startServe(t, data); again.setupToken != "" {
		t.Fatal("a set-up installation printed a setup token")
	}
}
