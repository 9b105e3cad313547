package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bigFile writes n bytes of a repeating pattern and returns its path and SHA-256.
func bigFile(t *testing.T, n int64) (string, [32]byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	for left := n; left > 0; left -= int64(len(chunk)) {
		c := chunk[:min(int64(len(chunk)), left)]
		if _, err := io.MultiWriter(f, h).Write(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return p, sum
}

// The file route as the API serves an export: http.ServeContent of the
// file, after checking the header the page sends.
func fileRoute(file string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Organization-ID") != "org-1" || r.Host != "wails" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"status_code":404,"error":"Not Found","code":"E_EXPORT_NOT_FOUND","message":"Export not found"}`)
			return
		}
		f, err := os.Open(file)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/x-tar")
		http.ServeContent(w, r, "x.tar", time.Time{}, f)
	})
}

// A 256 MiB download is written to the chosen file byte for byte while
// the process allocates only the copy buffers: memory does not grow with
// the file (docs/BENCHMARKS.md has the RSS of a 1 GB one).
func TestSaveDownloadStreamsIntoTheFile(t *testing.T) {
	const size = 256 << 20
	src, sum := bigFile(t, size)
	dest := filepath.Join(t.TempDir(), "TSE_Export.tar")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := saveDownload(context.Background(), fileRoute(src), "/api/v2/tss/t/export/e/file", map[string]string{"X-Organization-ID": "org-1"}, dest)
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("saveDownload: %d, %v", n, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("allocated %d bytes to save %d: the file went through memory", alloc, size)
	}
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sum {
		t.Fatal("saved file differs from the served one")
	}
	fi, err := os.Stat(dest)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".*partial"))
	if len(left) != 0 {
		t.Fatalf("partial files left: %v", left)
	}
}

// An error answer is an error with the server's message; nothing is
// written under the chosen name, an existing file there stays as it was.
func TestSaveDownloadErrorLeavesNoFile(t *testing.T) {
	src, _ := bigFile(t, 1000)
	dir := t.TempDir()
	dest := filepath.Join(dir, "keep.tar")
	if err := os.WriteFile(dest, []byte("older file"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := saveDownload(context.Background(), fileRoute(src), "/api/v2/tss/t/export/e/file", nil, dest)
	if err == nil || !strings.Contains(err.Error(), "Export not found (E_EXPORT_NOT_FOUND, HTTP 404)") {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "older file" {
		t.Fatalf("chosen file changed: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files left: %v", entries)
	}
	// Only API paths: the binding is no way to reach other routes.
	if _, err := saveDownload(context.Background(), fileRoute(src), "/healthz", nil, filepath.Join(dir, "x")); err == nil {
		t.Fatal("non-API path accepted")
	}
	// An answer without JSON body still says what happened.
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusBadGateway) })
	if _, err := saveDownload(context.Background(), plain, "/api/x", nil, filepath.Join(dir, "y")); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Fatalf("error %v", err)
	}
}

// A file that cannot be written (the directory is gone) is an error.
func TestSaveDownloadUnwritableTarget(t *testing.T) {
	src, _ := bigFile(t, 1000)
	dest := filepath.Join(t.TempDir(), "missing", "x.tar")
	if _, err := saveDownload(context.Background(), fileRoute(src), "/api/x", map[string]string{"X-Organization-ID": "org-1"}, dest); err == nil {
		t.Fatal("saved into a missing directory")
	}
}
