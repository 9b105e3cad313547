package api

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// chain wraps h in the router's middleware, in the router's order.
func chain(h http.Handler, logs io.Writer) http.Handler {
	return requestID(accessLog(zerolog.New(logs))(recoverer(limitBody(h))))
}

func TestPanicBecomes500WithoutStackInBody(t *testing.T) {
	var logs bytes.Buffer
	h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret internal detail") }), &logs)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))

	if want := errBody(500, CodeInternal, "Internal server error"); rec.Code != 500 || strings.TrimSpace(rec.Body.String()) != want {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatal("panic details leaked into the response")
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), "stack") {
		t.Fatalf("panic not logged with its stack: %s", logs.String())
	}
}

func TestUndeclaredBodyOverLimitIs413WhenRead(t *testing.T) {
	h := chain(HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	}), io.Discard)
	req := httptest.NewRequest("POST", "/x", io.MultiReader(bytes.NewReader(make([]byte, MaxBodyBytes)), strings.NewReader("!")))
	req.ContentLength = -1 // chunked: no declared length
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), CodeBodyTooLarge) {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

func TestBodyAtTheLimitIsAccepted(t *testing.T) {
	var n int
	h := chain(HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		b, err := io.ReadAll(r.Body)
		n = len(b)
		return err
	}), io.Discard)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", bytes.NewReader(make([]byte, MaxBodyBytes))))
	if rec.Code != 200 || n != MaxBodyBytes {
		t.Fatalf("got %d after reading %d bytes", rec.Code, n)
	}
}

func TestUnexpectedErrorsAreHiddenAndLogged(t *testing.T) {
	var logs bytes.Buffer
	h := chain(HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return io.ErrUnexpectedEOF
	}), &logs)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "EOF") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "unexpected EOF") {
		t.Fatalf("cause not logged: %s", logs.String())
	}
}
