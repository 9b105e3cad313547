package tss

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// fixture is a SIGN DE service on the in-memory store with one
// organization and its admin caller.
type fixture struct {
	t   testing.TB
	ctx context.Context
	st  *store.Store
	svc *Service
	org string
	c   Caller
	now time.Time
	// beforeCommit, when set, runs before every store commit (store.Options.BeforeCommit).
	beforeCommit atomic.Pointer[func() error]
}

const testPIN = "123456"

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, func(o store.Options) (*store.Store, error) { return store.OpenMemory(o) })
}

// newFixtureOn is newFixture on the store open returns.
func newFixtureOn(t testing.TB, open func(store.Options) (*store.Store, error)) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	st, err := open(store.Options{BeforeCommit: func() error {
		if h := f.beforeCommit.Load(); h != nil {
			return (*h)()
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	orgs := org.NewService(st)
	var o *org.Organization
	str := func(s string) org.Field[string] { return org.Field[string]{Set: true, V: s} }
	err = st.Update(context.Background(), func(txn store.Tx) (err error) {
		o, err = orgs.CreateTx(txn, org.Viewer{Actor: audit.System}, org.Input{Name: str("Test GmbH"),
			AddressLine1: str("Weg 1"), Zip: str("10115"), Town: str("Berlin"), CountryCode: str("DEU")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.st, f.svc, f.org = st, NewService(st, orgs, sealer), o.ID
	f.svc.SetClock(func() time.Time { return f.now })
	f.c = Caller{Viewer: org.Viewer{Roots: map[string]org.Role{o.ID: org.RoleAdmin}, Actor: audit.System},
		Env: org.EnvTest, ActingOrg: o.ID, TokenID: "token-1", TokenExp: f.now.Add(24 * time.Hour)}
	return f
}

// initialized creates TSS id, deploys it, sets the PIN, logs in as admin
// and initializes it.
func (f *fixture) initialized(id string) {
	f.t.Helper()
	v, err := f.svc.Create(f.ctx, f.c, id, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.must(f.svc.Patch(f.ctx, f.c, id, StateUninitialized, "", false, nil))
	if err := f.svc.ChangePIN(f.ctx, f.c, id, v.AdminPUK, testPIN); err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); err != nil {
		f.t.Fatal(err)
	}
	f.must(f.svc.Patch(f.ctx, f.c, id, StateInitialized, "", false, nil))
}

func (f *fixture) client(tssID, clientID, serial string) {
	f.t.Helper()
	if _, err := f.svc.CreateClient(f.ctx, f.c, tssID, clientID, serial, nil); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) must(_ *View, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) counters(tssID string) counters {
	f.t.Helper()
	var c counters
	err := f.st.View(func(txn store.Tx) (err error) { c, err = store.GetTSSCounters(txn, tssID); return err })
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) u64(k []byte) uint64 {
	f.t.Helper()
	var n uint64
	err := f.st.View(func(txn store.Tx) (err error) { n, err = store.GetU64(txn, k); return err })
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) exists(k []byte) bool {
	f.t.Helper()
	var ok bool
	err := f.st.View(func(txn store.Tx) (err error) { ok, err = store.Exists(txn, k); return err })
	if err != nil {
		f.t.Fatal(err)
	}
	return ok
}

// log returns the parsed stored log with signature counter n of TSS id,
// its signature checked against the TSS's public key with crypto/ecdsa.
func (f *fixture) log(id string, n uint64) *tse.Log {
	f.t.Helper()
	var raw []byte
	var t TSS
	err := f.st.View(func(txn store.Tx) (err error) {
		if t, err = store.GetJSON[TSS](txn, store.TSSKey(id)); err != nil {
			return err
		}
		raw, err = txn.Get(store.LogKey(id, n))
		return err
	})
	if err != nil {
		f.t.Fatalf("log %d: %v", n, err)
	}
	l, err := tse.Parse(raw)
	if err != nil {
		f.t.Fatal(err)
	}
	if l.Counter.Uint64() != n {
		f.t.Fatalf("log under %d has counter %d", n, l.Counter)
	}
	// The key from the TSS's certificate, not the signer's own copy.
	cert, err := x509.ParseCertificate(t.Certificate)
	if err != nil {
		f.t.Fatal(err)
	}
	key := cert.PublicKey.(*ecdsa.PublicKey)
	sum := sha256.Sum256(l.DTBS)
	r, s := new(big.Int).SetBytes(l.Signature[:32]), new(big.Int).SetBytes(l.Signature[32:])
	if !ecdsa.Verify(key, sum[:], r, s) {
		f.t.Fatalf("log %d: signature does not verify", n)
	}
	return l
}

func receipt(amount string) json.RawMessage {
	return json.RawMessage(`{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[{"vat_rate":"NORMAL","amount":"` +
		amount + `"}],"amounts_per_payment_type":[{"payment_type":"CASH","amount":"` + amount + `"}]}}}`)
}
