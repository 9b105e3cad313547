package main

import (
	"encoding/json"
	"testing"
)

// `fiskaldesk bench run` sets up its organizations, TSS and clients
// through the public APIs, stops after --count operations and reports
// them as JSON.
func TestBenchRunCountAndSpread(t *testing.T) {
	out, stderr, code := run(t, nil, "bench", "run", "--orgs", "2", "--tss", "2", "--clients", "2", "--workers", "4", "--count", "40", "--json")
	if code != 0 {
		t.Fatalf("bench run: %d %s", code, stderr)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Orgs != 2 || r.TSS != 2 || r.Clients != 2 || r.Errors != 0 || r.SignedOps < 40 || r.SignedOps > 40+2*int64(r.Workers) ||
		r.RawSignPerS <= 0 || r.P99ms <= 0 || r.RatioToSigning <= 0 {
		t.Fatalf("%+v", r)
	}
}
