package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"
)

func put(t *testing.T, s *Store, kv ...string) {
	t.Helper()
	err := s.Update(context.Background(), func(txn Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := txn.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s *Store, k string) string {
	t.Helper()
	var v []byte
	_ = s.View(func(txn Tx) (err error) { v, err = txn.Get([]byte(k)); return err })
	return string(v)
}

func entries(t *testing.T, s *Store, after uint64, skip *Instance) []Entry {
	t.Helper()
	frames, _, err := s.ReadOutbox(after, 1000, 1<<30, skip)
	if err != nil {
		t.Fatal(err)
	}
	var out []Entry
	for _, f := range frames {
		e, err := DecodeEntry(f.Seq, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// The outbox and apply tests run on every engine of the conformance
// suite: what sync ships must not depend on the engine.
func TestOutboxRecordsSyncedKeysInCommitOrder(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { testOutboxRecordsSyncedKeysInCommitOrder(t, e.open(t)) })
	}
}

func testOutboxRecordsSyncedKeysInCommitOrder(t *testing.T, s *Store) {
	ctx := context.Background()
	put(t, s, "org/a", "before") // outbox off: only the snapshot carries it
	if err := s.SetOutboxMode(ctx, OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	put(t, s, "org/a", "v1", "log/t1/1", "signed", "meta/x", "local", "export-queue/e", "job")
	put(t, s, "org/a", "v2")
	if done, err := s.ContinueSnapshot(ctx); err != nil || !done {
		t.Fatal(done, err)
	}
	es := entries(t, s, 0, nil)
	if len(es) != 3 {
		t.Fatalf("%d entries, want 2 changes + 1 snapshot chunk", len(es))
	}
	first := es[0]
	if len(first.Ops) != 2 || first.Origin != s.Self() {
		t.Fatalf("first entry %+v", first)
	}
	keys := map[string]Op{}
	for _, op := range first.Ops {
		keys[string(op.Key)] = op
	}
	if _, ok := keys["meta/x"]; ok {
		t.Fatal("local key in the outbox")
	}
	if keys["org/a"].Ver.IsZero() || !keys["log/t1/1"].Ver.IsZero() {
		t.Fatal("shared keys carry a version, owned keys none")
	}
	if es[1].Ops[0].Prev != keys["org/a"].Ver {
		t.Fatal("second change of org/a does not name the first as its base")
	}
	// The snapshot, taken after both changes, carries the current values.
	snap := map[string]string{}
	for _, op := range es[2].Ops {
		snap[string(op.Key)] = string(op.Value)
	}
	if snap["org/a"] != "v2" || snap["log/t1/1"] != "signed" || len(snap) != 2 {
		t.Fatalf("snapshot %v", snap)
	}
	for i := 1; i < len(es); i++ {
		if es[i].Seq <= es[i-1].Seq {
			t.Fatal("sequence not increasing")
		}
	}
	// A log is written once: the outbox keeps its key and ReadOutbox
	// (above) filled in the value.
	raw := get(t, s, string(OutboxKey(first.Seq)))
	if !bytes.Contains([]byte(raw), []byte("log/t1/1")) || bytes.Contains([]byte(raw), []byte("signed")) || !bytes.Contains([]byte(raw), []byte("v1")) {
		t.Fatalf("raw entry %q", raw)
	}
	if keys["log/t1/1"].Value == nil || string(keys["log/t1/1"].Value) != "signed" {
		t.Fatalf("shipped log value %q", keys["log/t1/1"].Value)
	}
}

func TestPruneSurvivesRestartWithoutReusingSequences(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "db")
	s, err := Open(dir, Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.SetOutboxMode(ctx, OutboxWorkstation)
	_, _ = s.ContinueSnapshot(ctx)
	for range 5 {
		put(t, s, "tss/x", "v")
	}
	_, last, _ := s.OutboxBacklog()
	if err := s.PruneOutbox(ctx, last); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.OutboxBacklog(); n != 0 {
		t.Fatalf("backlog %d after prune", n)
	}
	_ = s.Close()
	s = openTest(t, dir)
	if s.OutboxMode() != OutboxWorkstation {
		t.Fatal("mode lost on restart")
	}
	put(t, s, "tss/x", "w")
	es := entries(t, s, 0, nil)
	if len(es) != 1 || es[0].Seq <= last {
		t.Fatalf("after restart: %+v, last acknowledged %d", es, last)
	}
}

// Two stores: a workstation's changes applied at a central, twice, then
// the same shared key changed on both before they meet again.
func TestApplyIsIdempotentAndKeepsBothSidesOfAConflict(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { testApplyIsIdempotentAndKeepsBothSidesOfAConflict(t, e.open(t), e.open(t)) })
	}
}

func testApplyIsIdempotentAndKeepsBothSidesOfAConflict(t *testing.T, ws, central *Store) {
	ctx := context.Background()
	_ = ws.SetOutboxMode(ctx, OutboxWorkstation)
	_ = central.SetOutboxMode(ctx, OutboxCentral)
	for _, s := range []*Store{ws, central} {
		if _, err := s.ContinueSnapshot(ctx); err != nil {
			t.Fatal(err)
		}
	}
	put(t, ws, "org/o1", `{"name":"A"}`, "tss/t1", "rec", "log/t1/1", "sig")
	batch := entries(t, ws, 0, nil)
	cursor := SyncPeerKey("ws")
	opt := ApplyOptions{Peer: ws.Self(), Cursor: cursor, Owned: true}
	res, err := central.Apply(ctx, opt, batch)
	if err != nil || res.Applied != 1 {
		t.Fatal(res, err)
	}
	again, err := central.Apply(ctx, opt, batch)
	if err != nil || again.Applied != 0 || again.Skipped != 1 {
		t.Fatalf("second delivery: %+v %v", again, err)
	}
	if get(t, central, "log/t1/1") != "sig" || get(t, central, "org/o1") != `{"name":"A"}` {
		t.Fatal("batch not applied")
	}
	// The central relays the shared key to other workstations, as the
	// workstation's change, and never the signed data.
	relayed := entries(t, central, 0, nil)
	if len(relayed) != 1 || relayed[0].Origin != ws.Self() || len(relayed[0].Ops) != 1 || string(relayed[0].Ops[0].Key) != "org/o1" {
		t.Fatalf("relayed %+v", relayed)
	}
	if got := entries(t, central, 0, &relayed[0].Origin); len(got) != 0 {
		t.Fatal("the workstation would get its own change back")
	}
	// The central may not sign the workstation's TSS, nor accept a batch
	// that overwrites a TSS of its own.
	_ = central.View(func(txn Tx) error {
		if _, foreign, _ := OwnerOf(txn, "t1"); !foreign {
			t.Error("t1 not marked as signed elsewhere")
		}
		return nil
	})
	put(t, central, "tss/t2", "central's own")
	_, err = central.Apply(ctx, opt, []Entry{{Seq: 999, Origin: ws.Self(), Ops: []Op{{Key: []byte("tss/t2"), Value: []byte("x")}}}})
	if err == nil || get(t, central, "tss/t2") != "central's own" {
		t.Fatalf("overwrite of a central TSS: %v", err)
	}

	// Both sides change org/o1; the workstation's change is later.
	put(t, central, "org/o1", `{"name":"central"}`)
	time.Sleep(time.Millisecond)
	put(t, ws, "org/o1", `{"name":"workstation"}`)
	res, err = central.Apply(ctx, opt, entries(t, ws, batch[0].Seq, nil))
	if err != nil || res.Conflicts != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := get(t, central, "org/o1"); got != `{"name":"workstation"}` {
		t.Fatalf("newest version not kept: %s", got)
	}
	cs, n, err := central.Conflicts(10)
	if err != nil || n != 1 || string(cs[0].Lost.Value) != `{"name":"central"}` || string(cs[0].Kept.Value) != `{"name":"workstation"}` || cs[0].KeptLocal {
		t.Fatalf("conflict record %+v %v", cs, err)
	}
	// The workstation pulls the central's older change: the same pair,
	// the same winner.
	pull := entries(t, central, 0, nil)
	var theirs []Entry
	for _, e := range pull {
		if e.Origin != ws.Self() {
			theirs = append(theirs, e)
		}
	}
	res, err = ws.Apply(ctx, ApplyOptions{Peer: central.Self(), Cursor: SyncPeerKey("central")}, theirs)
	if err != nil || res.Conflicts != 1 || get(t, ws, "org/o1") != `{"name":"workstation"}` {
		t.Fatalf("%+v %v %s", res, err, get(t, ws, "org/o1"))
	}
	// A pull carries no signed data.
	if _, err := ws.Apply(ctx, ApplyOptions{Peer: central.Self(), Cursor: SyncPeerKey("central")},
		[]Entry{{Seq: 1 << 40, Ops: []Op{{Key: []byte("log/x/1"), Value: []byte("x")}}}}); err == nil {
		t.Fatal("pull wrote an owned key")
	}
}

func TestDecodeEntryRoundTripAndGarbage(t *testing.T) {
	e := Entry{Seq: 7, Origin: Instance{1, 2}, Ops: []Op{
		{Key: []byte("org/a"), Value: []byte("x"), Ver: Version{5, Instance{9}}, Prev: Version{4, Instance{8}}},
		{Key: []byte("tx/a/b"), Delete: true},
	}}
	got, err := DecodeEntry(7, encodeEntry(e))
	if err != nil || len(got.Ops) != 2 || got.Ops[0].Ver != e.Ops[0].Ver || got.Ops[0].Prev != e.Ops[0].Prev ||
		!got.Ops[1].Delete || !bytes.Equal(got.Ops[0].Value, []byte("x")) {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, make([]byte, 15), append(make([]byte, 16), 0x80), append(make([]byte, 16), 0, 0xff, 0xff, 0xff, 0xff, 0x0f)} {
		if _, err := DecodeEntry(1, bad); err == nil {
			t.Fatalf("accepted %x", bad)
		}
	}
}
