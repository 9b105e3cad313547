package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// jsonBody: what a page in the browser next door can send without a
// preflight (forms, text/plain) is refused; body-less requests pass, also
// a GET of unknown length as the desktop window's asset server makes it.
func TestJSONBody(t *testing.T) {
	cases := []struct {
		method, ctype string
		length        int64
		want          bool
	}{
		{"GET", "", 0, true},
		{"GET", "", -1, true},
		{"HEAD", "", -1, true},
		{"POST", "", 0, true},
		{"POST", "", -1, false},
		{"POST", "", 12, false},
		{"POST", "application/json", 12, true},
		{"POST", "application/merge-patch+json; charset=utf-8", 12, true},
		{"POST", "text/plain", 12, false},
		{"POST", "application/x-www-form-urlencoded", 12, false},
		{"GET", "text/plain", 0, false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/api/dashboard/setup", strings.NewReader(""))
		r.ContentLength = c.length
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		if got := jsonBody(r); got != c.want {
			t.Errorf("%s %q length %d: %v, want %v", c.method, c.ctype, c.length, got, c.want)
		}
	}
}
