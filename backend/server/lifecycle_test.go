package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

// Start, the run file, the first-start notice, Close and Serve.

func TestStartWritesTheRunFileAndCloseRemovesIt(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	s, err := New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.URL() != "" {
		t.Fatal("a URL before Start")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	rf, err := ReadRunFile(cfg.DataDir)
	if err != nil || rf.URL != s.URL() || rf.PID != os.Getpid() || rf.Token != s.token || !strings.HasPrefix(rf.URL, "http://127.0.0.1:") {
		t.Fatalf("run file %+v %v (url %s)", rf, err, s.URL())
	}
	resp, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	// A fresh installation: the notice carries the URL and the one-time token.
	tok := s.SetupToken()
	if n := s.SetupNotice(); tok == "" || !strings.Contains(n, s.URL()+"/setup?token="+tok) {
		t.Fatalf("setup notice %q", n)
	}
	// A second server on the same address is refused with a hint.
	cfg2 := Config{DataDir: t.TempDir(), Addr: strings.TrimPrefix(s.URL(), "http://")}
	s2, err := New(cfg2, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err == nil || !strings.Contains(err.Error(), "choose another with --addr") {
		t.Fatalf("address in use: %v", err)
	}
	_ = s2.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRunFile(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("run file after Close: %v", err)
	}
	if _, err := http.Get(s.URL() + "/healthz"); err == nil {
		t.Fatal("still serving after Close")
	}
}

func TestNoSetupNoticeOnceSetUp(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	s, err := New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	str := func(v string) org.Field[string] { return org.Field[string]{Set: true, V: v} }
	if _, _, err := org.NewService(s.Store).Setup(context.Background(), org.NewUser{Email: "chef@example.com", Password: "lang-genug-123"},
		org.Input{Name: str("Firma"), AddressLine1: str("Weg 1"), Zip: str("10115"), Town: str("Berlin"), CountryCode: str("DEU")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SetupToken() != "" || s.SetupNotice() != "" {
		t.Fatalf("an installation with an administrator still offers setup: %q", s.SetupNotice())
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fiskaldesk test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeHTTPSWithTheConfiguredCertificate(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	s := startServer(t, Config{TLSCert: certFile, TLSKey: keyFile})
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Fatalf("url %q", s.URL())
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("%d over TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP to the TLS port gets no answer of ours.
	if resp, err := http.Get("http://" + strings.TrimPrefix(s.URL(), "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP served on the TLS port")
		}
	}
}

// lockedWriter collects Serve's output, which it writes from its
// goroutine, and tells when a line holds want.
type lockedWriter struct {
	mu   sync.Mutex
	b    strings.Builder
	want string
	seen chan struct{}
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	if w.seen != nil && strings.Contains(w.b.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestServeRunsUntilItsContextEnds(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	running := make(chan struct{})
	out := &lockedWriter{want: "is running at", seen: running}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, zerolog.Nop(), nil, out) }()
	// Serve says it runs once it listens and has written the run file.
	select {
	case <-running:
	case err := <-done:
		t.Fatalf("Serve returned early: %v", err)
	}
	rf, err := ReadRunFile(cfg.DataDir)
	if err != nil || rf.URL == "" {
		t.Fatalf("run file %+v %v", rf, err)
	}
	resp, err := http.Get(rf.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	printed := out.String()
	if !strings.Contains(printed, "is running at "+rf.URL) || !strings.Contains(printed, "/setup?token=") {
		t.Fatalf("printed %q", printed)
	}
	if _, err := ReadRunFile(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("run file left after Serve returned")
	}
	// Serve on a dir another server holds fails at once.
	s, err := New(cfg, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Serve(context.Background(), cfg, zerolog.Nop(), nil, out); err == nil {
		t.Fatal("Serve on a held data dir")
	}
}
