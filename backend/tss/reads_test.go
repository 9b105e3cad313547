package tss

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Client updates and lists, transaction reads by id, number and
// revision, raw logs, metadata of transactions and TSS, the TSS list.

func TestUpdateClientRules(t *testing.T) {
	f := newFixture(t)
	const id = "81000000-0000-4000-8000-000000000000"
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	var ve *ValidationError
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c1", "ACTIVE", nil); !errors.As(err, &ve) || ve.Field != "state" {
		t.Fatalf("bad state: %v", err)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "nope", "", map[string]string{"a": "b"}); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	// Metadata only: no admin needed, nothing signed, merged.
	other := f.c
	other.TokenID = "not-admin"
	sig := f.counters(id).Sig
	cl, err := f.svc.UpdateClient(f.ctx, other, id, "c1", "", map[string]string{"a": "1"})
	if err != nil || cl.Metadata["a"] != "1" || f.counters(id).Sig != sig {
		t.Fatalf("metadata: %+v %v", cl, err)
	}
	f.now = f.now.Add(time.Minute)
	cl, err = f.svc.UpdateClient(f.ctx, other, id, "c1", ClientRegistered, map[string]string{"b": "2"})
	if err != nil || cl.Metadata["a"] != "1" || cl.Metadata["b"] != "2" || f.counters(id).Sig != sig || cl.TimeUpdate != f.now.Unix() {
		t.Fatalf("same state with metadata: %+v %v", cl, err)
	}
	// Over the metadata limit after merging: refused, nothing kept.
	many := map[string]string{}
	for i := range org.MaxMetadataKeys - 1 {
		many[fmt.Sprint("k", i)] = "v"
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c1", "", many); !errors.As(err, &ve) || ve.Field != "metadata" {
		t.Fatalf("merged metadata over the limit: %v", err)
	}
	if got, _ := f.svc.GetClient(f.c, id, "c1"); len(got.Metadata) != 2 {
		t.Fatalf("refused metadata kept: %v", got.Metadata)
	}
	// A state change needs the admin and is signed.
	if _, err := f.svc.UpdateClient(f.ctx, other, id, "c1", ClientDeregistered, nil); !errors.Is(err, ErrAdminRequired) {
		t.Fatalf("deregister without admin: %v", err)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c1", ClientDeregistered, nil); err != nil {
		t.Fatal(err)
	}
	l := f.log(id, f.counters(id).Sig-1) // deregisterClient, then the admin's logOut
	if string(l.Field(0)) != "deregisterClient" || !bytes.Contains(l.Field(1), []byte("kasse-1")) {
		t.Fatalf("log %q %q", l.Field(0), l.Field(1))
	}
	if l := f.log(id, f.counters(id).Sig); string(l.Field(0)) != "logOut" {
		t.Fatalf("last log %q", l.Field(0))
	}
	// A disabled TSS takes no state change, metadata still.
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); err != nil {
		t.Fatal(err)
	}
	f.must(f.svc.Patch(f.ctx, f.c, id, StateDisabled, "", false, nil))
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c1", ClientRegistered, nil); !errors.Is(err, ErrTSSDisabled) {
		t.Fatalf("register on a disabled TSS: %v", err)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, id, "c1", "", map[string]string{"c": "3"}); err != nil {
		t.Fatalf("metadata on a disabled TSS: %v", err)
	}
}

func TestListClients(t *testing.T) {
	f := newFixture(t)
	a := f.tssIn(StateInitialized, 82)
	b := f.tssIn(StateInitialized, 83)
	for i, c := range []struct{ tss, id, serial string }{{a, "ca", "kasse-c"}, {a, "cb", "kasse-a"}, {a, "cc", "kasse-b"}, {b, "cd", "kasse-a"}} {
		f.now = f.now.Add(time.Duration(i) * time.Second)
		f.client(c.tss, c.id, c.serial)
	}
	if _, err := f.svc.UpdateClient(f.ctx, f.c, a, "cc", ClientDeregistered, nil); err != nil {
		t.Fatal(err)
	}
	ids := func(cs []*Client) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID)
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		name  string
		tss   string
		f     ClientFilter
		want  string
		total int
	}{
		{"by creation", a, ClientFilter{}, "ca,cb,cc", 3},
		{"descending", a, ClientFilter{ListFilter: ListFilter{Desc: true}}, "cc,cb,ca", 3},
		{"by serial", a, ClientFilter{ListFilter: ListFilter{OrderBy: "serial_number"}}, "cb,cc,ca", 3},
		{"one serial", a, ClientFilter{SerialNumber: "kasse-a"}, "cb", 1},
		{"registered", a, ClientFilter{State: ClientRegistered}, "ca,cb", 2},
		{"deregistered", a, ClientFilter{State: ClientDeregistered}, "cc", 1},
		{"paged", a, ClientFilter{ListFilter: ListFilter{Limit: 1, Offset: 1}}, "cb", 3},
		{"every TSS of the org", "", ClientFilter{SerialNumber: "kasse-a"}, "cb,cd", 2},
		{"other TSS", b, ClientFilter{}, "cd", 1},
	}
	for _, c := range cases {
		if c.f.Limit == 0 {
			c.f.Limit = 100
		}
		list, total, err := f.svc.ListClients(f.c, c.tss, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(list); got != c.want || total != c.total {
			t.Errorf("%s: %s (%d), want %s (%d)", c.name, got, total, c.want, c.total)
		}
	}
	if _, _, err := f.svc.ListClients(f.c, "89000000-0000-4000-8000-000000000000", ClientFilter{}); !errors.Is(err, ErrTSSNotFound) {
		t.Fatalf("unknown TSS: %v", err)
	}
	if _, err := f.svc.GetClient(f.c, b, "ca"); !errors.Is(err, ErrClientNotFound) {
		t.Fatalf("client through another TSS: %v", err)
	}
	// A LIVE caller of the same org does not see TEST clients' TSS.
	live := f.c
	live.Env = org.EnvLive
	if list, n, err := f.svc.ListClients(live, "", ClientFilter{ListFilter: ListFilter{Limit: 100}}); err != nil || n != 0 || len(list) != 0 {
		t.Fatalf("LIVE sees %d TEST clients (%v)", n, err)
	}
}

func TestTxReadsByNumberRevisionAndLog(t *testing.T) {
	f := newFixture(t)
	const id = "84000000-0000-4000-8000-000000000000"
	f.initialized(id)
	f.client(id, "c1", "kasse-1")
	start, err := f.svc.Upsert(f.ctx, f.c, id, "tx-a", 1, TxRequest{State: TxActive, ClientID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	fin, err := f.svc.Upsert(f.ctx, f.c, id, "tx-a", 2, TxRequest{State: TxFinished, ClientID: "c1", Schema: receipt("12.30"), Metadata: map[string]string{"bon": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	// By id and by number, latest and earlier revisions.
	for _, key := range []string{"tx-a", fmt.Sprint(fin.Number)} {
		got, err := f.svc.GetTx(f.c, id, key, 0)
		if err != nil || got.Revision != 2 || got.LatestRevision != 2 || got.State != TxFinished || got.Signature.Value != fin.Signature.Value {
			t.Fatalf("latest of %s: %+v %v", key, got, err)
		}
		first, err := f.svc.GetTx(f.c, id, key, 1)
		if err != nil || first.Revision != 1 || first.LatestRevision != 2 || first.State != TxActive || first.Signature.Value != start.Signature.Value {
			t.Fatalf("revision 1 of %s: %+v %v", key, first, err)
		}
	}
	for _, c := range []struct {
		key  string
		rev  uint32
		want error
	}{{"tx-a", 3, ErrTxRevisionNotFound}, {"tx-b", 0, ErrTxNotFound}, {"99", 0, ErrTxNotFound}, {"0", 0, ErrTxNotFound}} {
		if _, err := f.svc.GetTx(f.c, id, c.key, c.rev); !errors.Is(err, c.want) {
			t.Errorf("%s rev %d: %v, want %v", c.key, c.rev, err, c.want)
		}
	}
	// The raw log of each revision is the signed Finish/Start log.
	for _, c := range []struct {
		rev uint32
		op  string
		ctr uint64
	}{{1, tse.OpStart, start.Signature.Counter}, {2, tse.OpFinish, fin.Signature.Counter}, {0, tse.OpFinish, fin.Signature.Counter}} {
		raw, err := f.svc.TxLogBytes(f.c, id, "tx-a", c.rev)
		if err != nil {
			t.Fatal(err)
		}
		l, err := tse.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if l.Counter.Uint64() != c.ctr || string(l.Field(0)) != c.op || string(l.Field(1)) != "kasse-1" || l.TxNumber().Uint64() != fin.Number {
			t.Fatalf("revision %d: %q counter %v", c.rev, l.Field(0), l.Counter)
		}
		if !bytes.Equal(f.log(id, c.ctr).Signature, l.Signature) { // f.log checks the signature with the certificate's key
			t.Fatalf("revision %d: not the stored log", c.rev)
		}
		if c.op == tse.OpFinish && string(l.Field(2)) != "Beleg^12.30_0.00_0.00_0.00_0.00^12.30:Bar" {
			t.Fatalf("processData %q", l.Field(2))
		}
	}
	// A lost log is said as such.
	if err := f.st.Update(f.ctx, func(txn store.Tx) error { return txn.Delete(store.LogKey(id, start.Signature.Counter)) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TxLogBytes(f.c, id, "tx-a", 1); !errors.Is(err, ErrLogNotFound) {
		t.Fatalf("missing log: %v", err)
	}
	// Metadata: merged, not signed, shown on every revision, limited.
	sig := f.counters(id).Sig
	m, err := f.svc.TxMetadata(f.ctx, f.c, id, fmt.Sprint(fin.Number), map[string]string{"tisch": "4"})
	if err != nil || m["bon"] != "7" || m["tisch"] != "4" || f.counters(id).Sig != sig {
		t.Fatalf("metadata %v %v", m, err)
	}
	if got, _ := f.svc.GetTx(f.c, id, "tx-a", 1); got.Metadata["tisch"] != "4" {
		t.Fatalf("revision 1 metadata %v", got.Metadata)
	}
	if m, err := f.svc.TxMetadata(f.ctx, f.c, id, "tx-a", nil); err != nil || len(m) != 2 {
		t.Fatalf("read metadata %v %v", m, err)
	}
	var ve *ValidationError
	if _, err := f.svc.TxMetadata(f.ctx, f.c, id, "tx-a", map[string]string{strings.Repeat("k", org.MaxMetadataKeyLen+1): "v"}); !errors.As(err, &ve) {
		t.Fatalf("long key: %v", err)
	}
	if m, err := f.svc.TxMetadata(f.ctx, f.c, id, "tx-x", map[string]string{"a": "b"}); !errors.Is(err, ErrTxNotFound) || m == nil {
		t.Fatalf("unknown transaction: %v %v", m, err)
	}
}

func TestTSSMetadataDescriptionAndList(t *testing.T) {
	f := newFixture(t)
	f.svc.TestTSSLimit = 0
	const id = "00000085-0000-4000-8000-000000000000"
	puk := f.uninitialized(id)
	if err := f.svc.ChangePIN(f.ctx, f.c, id, puk, testPIN); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AdminAuth(f.ctx, f.c, id, testPIN); err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	for _, d := range []string{strings.Repeat("d", 101), "Kasse_1", "Kasse ü", "a\nb"} {
		if _, err := f.svc.Patch(f.ctx, f.c, id, StateInitialized, d, true, nil); !errors.As(err, &ve) || ve.Field != "description" {
			t.Errorf("description %q: %v", d, err)
		}
	}
	// A description only when initializing.
	if _, err := f.svc.Patch(f.ctx, f.c, id, "", "Filiale", true, nil); !errors.As(err, &ve) || ve.Field != "description" {
		t.Fatalf("description without initializing: %v", err)
	}
	v, err := f.svc.Patch(f.ctx, f.c, id, StateInitialized, "Filiale Mitte (Kasse 1/2)", true, map[string]string{"a": "1"})
	if err != nil || v.Description != "Filiale Mitte (Kasse 1/2)" || v.Metadata["a"] != "1" || v.State != StateInitialized {
		t.Fatalf("%+v %v", v, err)
	}
	if l := f.log(id, f.counters(id).Sig-1); string(l.Field(0)) != "initialize" || !bytes.Contains(l.Field(1), []byte("Filiale Mitte")) {
		t.Fatalf("initialize log %q %q", l.Field(0), l.Field(1))
	}
	// Without a description the TSS gets the sandbox one.
	other := f.tssIn(StateInitialized, 86)
	if got, _ := f.svc.Get(f.c, other); got.Description != "fiskaldesk Sandbox TSS ("+other+")" {
		t.Fatalf("default description %q", got.Description)
	}
	// Metadata merges, limited after merging, unsigned.
	sig := f.counters(id).Sig
	m, err := f.svc.MergeMetadata(f.ctx, f.c, id, map[string]string{"b": "2", "a": "3"})
	if err != nil || m["a"] != "3" || m["b"] != "2" || f.counters(id).Sig != sig {
		t.Fatalf("merge %v %v", m, err)
	}
	many := map[string]string{}
	for i := range org.MaxMetadataKeys - 1 {
		many[fmt.Sprint("k", i)] = "v"
	}
	if _, err := f.svc.MergeMetadata(f.ctx, f.c, id, many); !errors.As(err, &ve) {
		t.Fatalf("over the limit: %v", err)
	}
	if got, _ := f.svc.Get(f.c, id); len(got.Metadata) != 2 {
		t.Fatalf("refused metadata kept %v", got.Metadata)
	}
	// The list: states, orders, paging.
	f.now = f.now.Add(time.Hour)
	f.tssIn(StateCreated, 87)
	f.tssIn(StateDisabled, 88)
	names := func(vs []*View) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.ID[6:8])
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		name string
		lf   ListFilter
		want string
	}{
		{"by creation, then id", ListFilter{}, "85,86,87,88"},
		{"descending", ListFilter{Desc: true}, "88,87,86,85"},
		{"one state", ListFilter{States: []string{StateInitialized}}, "85,86"},
		{"two states", ListFilter{States: []string{StateCreated, StateDisabled}}, "87,88"},
		{"by state", ListFilter{OrderBy: "state"}, "87,88,85,86"},
		{"by description", ListFilter{OrderBy: "description"}, "87,85,86,88"},
		{"by time_disable", ListFilter{OrderBy: "time_disable"}, "85,86,87,88"},
		{"paged", ListFilter{Limit: 2, Offset: 1}, "86,87"},
	}
	for _, c := range cases {
		if c.lf.Limit == 0 {
			c.lf.Limit = 100
		}
		list, n, err := f.svc.List(f.c, c.lf)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(list); got != c.want || (c.lf.States == nil && n != 4) {
			t.Errorf("%s: %s (%d), want %s", c.name, got, n, c.want)
		}
	}
}
