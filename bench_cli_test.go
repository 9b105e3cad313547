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

// `fiskaldesk bench rollup` makes its customers and receipts, checks that
// the rollup adds up to what it signed, and times every query, the one
// after a change included.
func TestBenchRollupFillsChecksAndTimes(t *testing.T) {
	out, stderr, code := run(t, nil, "bench", "rollup", "--data", t.TempDir(), "--orgs", "3", "--transactions", "60", "--days", "3", "--requests", "2", "--json")
	if code != 0 {
		t.Fatalf("bench rollup: %d %s", code, stderr)
	}
	var r rollupResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Orgs != 3 || r.TSS != 3 || r.Transactions != 60 || r.FirstMs <= 0 || len(r.Queries) != 6 || r.RawSignPerS <= 0 || r.FsyncPerS <= 0 {
		t.Fatalf("%+v", r)
	}
	for _, q := range r.Queries {
		if q.P50ms <= 0 || q.P95ms < q.P50ms || q.MaxMs < q.P99ms {
			t.Fatalf("%s: %+v", q.Name, q)
		}
	}
}
