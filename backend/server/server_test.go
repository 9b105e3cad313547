package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rs/zerolog"
)

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	s, err := New(cfg, zerolog.Nop(), fstest.MapFS{"index.html": {Data: []byte("<html></html>")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// A client that never finishes its headers is disconnected, so it cannot
// hold a connection slot forever.
func TestSlowHeadersAreCut(t *testing.T) {
	s := startServer(t, Config{ReadHeaderTimeout: 200 * time.Millisecond})
	c := dial(t, s)
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("server kept a half-sent request open: %v", err)
	}
	// net/http may answer 408 before closing; what matters is the close.
	if len(got) > 0 && !strings.Contains(string(got), "408") {
		t.Fatalf("unexpected answer to a half-sent request: %q", got)
	}
}

// Past MaxConns, a new connection is not served until one closes, and then
// it is served normally.
func TestMaxConns(t *testing.T) {
	s := startServer(t, Config{MaxConns: 2})
	a, b := dial(t, s), dial(t, s)
	// Make sure both are accepted (and counted) before the third: a
	// request on each is answered, and keep-alive keeps them open.
	for _, c := range []net.Conn{a, b} {
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}

	third := dial(t, s)
	if _, err := io.WriteString(third, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := third.Read(make([]byte, 1)); n > 0 || err == nil {
		t.Fatal("a connection over the limit was served")
	}

	_ = a.Close()
	_ = third.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	if err != nil {
		t.Fatalf("waiting connection not served after a slot freed: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// Oversized headers get 431, not a server holding megabytes per client.
func TestHeaderSizeLimit(t *testing.T) {
	s := startServer(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 200<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}
