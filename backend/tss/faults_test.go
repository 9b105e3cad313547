package tss

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Sandbox failure rules: matching, counting down, expiry, visibility,
// and what a rule does to a signing call (nothing signed, nothing stored).

func TestFaultRules(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	f := NewFaults()
	f.now = func() time.Time { return now }
	ctx := context.Background()
	// Rules are tried in the order they were added; the first match applies.
	tssRule := f.Add(Rule{OrganizationID: "org-a", TSSID: "tss-2", Kind: "defective", Remaining: 2})
	orgRule := f.Add(Rule{OrganizationID: "org-a", Kind: "error", Status: 503, Code: "E_SANDBOX", Message: "org down"})
	f.Add(Rule{OrganizationID: "org-b", Kind: "error", Status: 429, Code: "E_RATE", Message: "slow down", Until: now.Unix() + 30})
	if orgRule.ID == "" || tssRule.ID == "" || orgRule.ID == tssRule.ID {
		t.Fatalf("ids %q %q", orgRule.ID, tssRule.ID)
	}
	cases := []struct {
		name        string
		org, tss    string
		status      int
		code        string
		retry       int
		noFault     bool
		advanceSecs int64
	}{
		// A TSS rule applies to its TSS only; the org rule to the others.
		{name: "org rule", org: "org-a", tss: "tss-1", status: 503, code: "E_SANDBOX"},
		{name: "TSS rule first of two", org: "org-a", tss: "tss-2", status: 423, code: "E_TSS_DEFECTIVE"},
		{name: "TSS rule second of two", org: "org-a", tss: "tss-2", status: 423, code: "E_TSS_DEFECTIVE"},
		// Used up: the org rule takes over for tss-2.
		{name: "after the TSS rule", org: "org-a", tss: "tss-2", status: 503, code: "E_SANDBOX"},
		{name: "another org", org: "org-c", tss: "tss-9", noFault: true},
		{name: "rule with an end", org: "org-b", tss: "tss-5", status: 429, code: "E_RATE", retry: 30},
		{name: "later, less to wait", org: "org-b", tss: "tss-5", status: 429, code: "E_RATE", retry: 10, advanceSecs: 20},
		{name: "ended", org: "org-b", tss: "tss-5", noFault: true, advanceSecs: 10},
	}
	for _, c := range cases {
		now = now.Add(time.Duration(c.advanceSecs) * time.Second)
		err := f.apply(ctx, c.org, c.tss)
		if c.noFault {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var fault *Fault
		if !errors.As(err, &fault) || fault.Status != c.status || fault.Code != c.code || fault.RetryAfter != c.retry {
			t.Errorf("%s: %+v", c.name, err)
		}
	}
	// The used-up and the ended rule are gone from the list.
	all := f.List(func(string) bool { return true })
	if len(all) != 1 || all[0].ID != orgRule.ID {
		t.Fatalf("rules left %+v", all)
	}
	// Visibility decides listing and deleting.
	onlyB := func(o string) bool { return o == "org-b" }
	if got := f.List(onlyB); len(got) != 0 {
		t.Fatalf("org-b sees %+v", got)
	}
	if f.Delete(orgRule.ID, onlyB) {
		t.Fatal("org-b deleted org-a's rule")
	}
	if !f.Delete(orgRule.ID, func(o string) bool { return o == "org-a" }) || f.Delete(orgRule.ID, func(string) bool { return true }) {
		t.Fatal("delete once")
	}
	if err := f.apply(ctx, "org-a", "tss-1"); err != nil {
		t.Fatalf("deleted rule still applies: %v", err)
	}
	if f.List(func(string) bool { return true }) == nil {
		t.Fatal("an empty list is [] for the API, not null")
	}
	// Latency waits, but a caller that gives up is not held.
	f.Add(Rule{OrganizationID: "org-l", Kind: "latency", LatencyMS: int(time.Hour / time.Millisecond)})
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.apply(gone, "org-l", "tss"); !errors.Is(err, context.Canceled) {
		t.Fatalf("latency with a cancelled caller: %v", err)
	}
	f.Add(Rule{OrganizationID: "org-z", Kind: "latency"})
	if err := f.apply(ctx, "org-z", "tss"); err != nil {
		t.Fatalf("zero latency: %v", err)
	}
	if (&Fault{Message: "m"}).Error() != "m" {
		t.Fatal("Fault.Error")
	}
}

// A rule on a TSS answers its signing calls with the fault and leaves
// the TSS as it was: no log, no counter, no transaction.
func TestFaultStopsSigning(t *testing.T) {
	f := newFixture(t)
	const id = "71000000-0000-4000-8000-000000000000"
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	before := f.counters(id)
	rule := f.svc.Faults.Add(Rule{OrganizationID: f.org, TSSID: id, Kind: "error", Status: 500, Code: "E_TSS_FAILURE", Message: "injected", Remaining: 2})
	var fault *Fault
	if _, err := f.svc.Upsert(f.ctx, f.c, id, "tx-1", 1, TxRequest{State: TxActive, ClientID: "c1"}); !errors.As(err, &fault) || fault.Code != "E_TSS_FAILURE" {
		t.Fatalf("upsert: %v", err)
	}
	if _, err := f.svc.CreateClient(f.ctx, f.c, id, "c2", "kasse-2", nil); !errors.As(err, &fault) || fault.Status != 500 {
		t.Fatalf("create client: %v", err)
	}
	if after := f.counters(id); after != before {
		t.Fatalf("a failed call moved the counters: %+v → %+v", before, after)
	}
	if _, err := f.svc.GetTx(f.c, id, "tx-1", 0); !errors.Is(err, ErrTxNotFound) {
		t.Fatalf("the refused transaction exists: %v", err)
	}
	if _, err := f.svc.GetClient(f.c, id, "c2"); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("the refused client exists: %v", err)
	}
	// Used up after two calls: the next one signs.
	if v, err := f.svc.Upsert(f.ctx, f.c, id, "tx-1", 1, TxRequest{State: TxActive, ClientID: "c1"}); err != nil || v.Number != before.Tx+1 {
		t.Fatalf("after the rule: %+v %v", v, err)
	}
	if f.svc.Faults.Delete(rule.ID, func(string) bool { return true }) {
		t.Fatal("a used-up rule was still there")
	}
	// A rule of the org covers its TSS; reads are never affected.
	f.svc.Faults.Add(Rule{OrganizationID: f.org, Kind: "defective"})
	if _, err := f.svc.Upsert(f.ctx, f.c, id, "tx-1", 2, TxRequest{State: TxFinished, ClientID: "c1", Schema: receipt("1.00")}); !errors.As(err, &fault) || fault.Status != 423 {
		t.Fatalf("org rule: %v", err)
	}
	if v, err := f.svc.GetTx(f.c, id, "tx-1", 0); err != nil || v.State != TxActive {
		t.Fatalf("read under a rule: %+v %v", v, err)
	}
}
