// Package tsstest sets up SIGN DE on the in-memory store for the unit
// tests of packages above tss (report, dsfinvk, billing): an organization,
// its admin caller, INITIALIZED TSS and clients, made through the same
// service calls the API makes. It is imported by tests only.
package tsstest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Env is one installation on the in-memory store.
type Env struct {
	T    testing.TB
	Ctx  context.Context
	St   *store.Store
	Orgs *org.Service
	TSS  *tss.Service
	Org  *org.Organization
	C    tss.Caller // admin of Org, TEST env
	Now  time.Time  // the TSS clock; change it to sign on other days
}

// PIN is the admin PIN every TSS made here gets.
const PIN = "123456"

// New opens an in-memory store with one organization named name.
func New(t testing.TB, name string) *Env {
	t.Helper()
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{T: t, Ctx: context.Background(), St: st, Orgs: org.NewService(st), Now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	e.TSS = tss.NewService(st, e.Orgs, sealer)
	e.TSS.SetClock(func() time.Time { return e.Now })
	e.Org = e.NewOrg(name, "")
	e.C = e.Caller(e.Org.ID)
	return e
}

// NewOrg creates an organization, managed by parent when parent is not "".
func (e *Env) NewOrg(name, parent string) *org.Organization {
	e.T.Helper()
	str := func(s string) org.Field[string] { return org.Field[string]{Set: true, V: s} }
	in := org.Input{Name: str(name), AddressLine1: str("Weg 1"), Zip: str("10115"), Town: str("Berlin"), CountryCode: str("DEU")}
	v := org.Viewer{Actor: audit.System}
	if parent != "" {
		in.ManagedBy = str(parent)
		v.Roots = map[string]org.Role{parent: org.RoleOwner}
	}
	var o *org.Organization
	err := e.St.Update(e.Ctx, func(txn store.Tx) (err error) {
		o, err = e.Orgs.CreateTx(txn, v, in)
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return o
}

// Caller is an admin of orgID (and so of its managed orgs) in TEST.
func (e *Env) Caller(orgID string) tss.Caller {
	return tss.Caller{Viewer: org.Viewer{Roots: map[string]org.Role{orgID: org.RoleOwner}, Actor: audit.System},
		Env: org.EnvTest, ActingOrg: orgID, TokenID: "token-" + orgID, TokenExp: e.Now.Add(24 * time.Hour)}
}

// Initialized creates TSS id for c's acting org and takes it to INITIALIZED.
func (e *Env) Initialized(c tss.Caller, id string) {
	e.T.Helper()
	v, err := e.TSS.Create(e.Ctx, c, id, nil)
	if err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.TSS.Patch(e.Ctx, c, id, tss.StateUninitialized, "", false, nil); err != nil {
		e.T.Fatal(err)
	}
	if err := e.TSS.ChangePIN(e.Ctx, c, id, v.AdminPUK, PIN); err != nil {
		e.T.Fatal(err)
	}
	if err := e.TSS.AdminAuth(e.Ctx, c, id, PIN); err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.TSS.Patch(e.Ctx, c, id, tss.StateInitialized, "", false, nil); err != nil {
		e.T.Fatal(err)
	}
}

// Client registers a client on TSS tssID.
func (e *Env) Client(c tss.Caller, tssID, clientID, serial string) {
	e.T.Helper()
	if _, err := e.TSS.CreateClient(e.Ctx, c, tssID, clientID, serial, nil); err != nil {
		e.T.Fatal(err)
	}
}

// Receipt signs a complete receipt (start, finish with schema) and
// returns the finish answer.
func (e *Env) Receipt(c tss.Caller, tssID, clientID, txID string, schema json.RawMessage) *tss.TxView {
	e.T.Helper()
	if _, err := e.TSS.Upsert(e.Ctx, c, tssID, txID, 1, tss.TxRequest{State: tss.TxActive, ClientID: clientID}); err != nil {
		e.T.Fatal(err)
	}
	v, err := e.TSS.Upsert(e.Ctx, c, tssID, txID, 2, tss.TxRequest{State: tss.TxFinished, ClientID: clientID, Schema: schema})
	if err != nil {
		e.T.Fatal(err)
	}
	return v
}

// Standard is a standard_v1 receipt: gross amounts per VAT rate (NORMAL,
// REDUCED_1, …) and payments (CASH, NON_CASH), amounts as "12.34".
func Standard(vat map[string]string, pay map[string]string) json.RawMessage {
	type amount struct {
		Rate   string `json:"vat_rate,omitempty"`
		Type   string `json:"payment_type,omitempty"`
		Amount string `json:"amount"`
	}
	var r struct {
		StandardV1 struct {
			Receipt struct {
				Type string   `json:"receipt_type"`
				VAT  []amount `json:"amounts_per_vat_rate"`
				Pay  []amount `json:"amounts_per_payment_type"`
			} `json:"receipt"`
		} `json:"standard_v1"`
	}
	r.StandardV1.Receipt.Type = "RECEIPT"
	for _, k := range []string{"NORMAL", "REDUCED_1", "SPECIAL_RATE_1", "SPECIAL_RATE_2", "NULL"} {
		if a, ok := vat[k]; ok {
			r.StandardV1.Receipt.VAT = append(r.StandardV1.Receipt.VAT, amount{Rate: k, Amount: a})
		}
	}
	for _, k := range []string{"CASH", "NON_CASH"} {
		if a, ok := pay[k]; ok {
			r.StandardV1.Receipt.Pay = append(r.StandardV1.Receipt.Pay, amount{Type: k, Amount: a})
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a struct of strings always encodes
	}
	return b
}
