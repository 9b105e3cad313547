package api

import (
	"strconv"
	"testing"

	"github.com/google/uuid"
)

// The cloud's limits: 20 transaction lists a minute per TSS, 12 reads a
// minute per export; then 429 with Retry-After, other TSS unaffected.
// Dashboard users are not limited.
func TestRateLimits(t *testing.T) {
	a := newTestAppLimits(t, true)
	owner, vendor := a.setup("owner@vendor.example", pw, "POS Vendor GmbH")
	k, s, _ := a.newKey(owner, vendor, nil)
	v := cred{bearer: a.token(k, s)}
	tssID, _ := posSetup(t, a, v, 1)
	other, _ := posSetup(t, a, v, 1)
	for range 20 {
		a.must(a.do(v, "GET", "/api/v2/tss/"+tssID+"/tx", nil), 200)
	}
	r := a.do(v, "GET", "/api/v2/tss/"+tssID+"/tx", nil)
	wantCode(t, r, 429, "E_TOO_MANY_REQUESTS")
	if s, err := strconv.Atoi(r.hdr.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After %q", r.hdr.Get("Retry-After"))
	}
	a.must(a.do(v, "GET", "/api/v2/tss/"+other+"/tx", nil), 200)
	a.must(a.do(v, "GET", "/api/v2/tss/"+tssID, nil), 200) // other routes are not limited
	for range 25 {
		a.must(a.do(owner, "GET", "/api/v2/tss/"+tssID+"/tx?limit=5", nil), 200)
	}
	wantCode(t, a.do(v, "GET", "/api/v2/tss/"+tssID+"/tx", nil), 429, "E_TOO_MANY_REQUESTS")

	path := "/api/v2/tss/" + tssID + "/export/" + uuid.NewString()
	a.must(a.do(v, "PUT", path, nil), 200)
	for range 12 {
		a.must(a.do(v, "GET", path, nil), 200)
	}
	wantCode(t, a.do(v, "GET", path, nil), 429, "E_TOO_MANY_REQUESTS")
}
