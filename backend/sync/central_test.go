package sync

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// The central side without HTTP, on in-memory stores: pairing,
// credentials, push and pull, the workstation list.

func memStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.OpenMemory(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newSvc(t *testing.T, st *store.Store) *Service {
	t.Helper()
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return NewService(st, sealer, zerolog.Nop())
}

func hexOf(i store.Instance) string { return hex.EncodeToString(i[:]) }

// put writes key/value pairs in one transaction of st.
func put(t *testing.T, st *store.Store, kv ...string) {
	t.Helper()
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outbox(t *testing.T, st *store.Store, after uint64) []store.Entry {
	t.Helper()
	frames, _, err := st.ReadOutbox(after, 1000, 1<<30, nil)
	if err != nil {
		t.Fatal(err)
	}
	var es []store.Entry
	for _, f := range frames {
		e, err := store.DecodeEntry(f.Seq, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}

func TestPairMakesACentralAndIssuesACredentialOnce(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	c := newSvc(t, st)
	for _, name := range []string{"", "   ", strings.Repeat("x", 101)} {
		if _, _, err := c.Pair(ctx, name, "admin"); !errors.Is(err, ErrNameRequired) {
			t.Errorf("name %q: %v", name, err)
		}
	}
	w, cred, err := c.Pair(ctx, "  Kasse 1 ", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "Kasse 1" || w.SecretHash != "" || !strings.HasPrefix(cred, credPrefix+w.ID+"_") {
		t.Fatalf("%+v %q", w, cred)
	}
	if st.OutboxMode() != store.OutboxCentral {
		t.Fatal("pairing did not make this instance a central")
	}
	// Only the hash is stored.
	_ = st.View(func(tx store.Tx) error {
		raw, err := tx.Get(store.SyncWorkstationKey(w.ID))
		if err != nil || bytes.Contains(raw, []byte(cred[len(credPrefix+w.ID+"_"):])) {
			t.Errorf("stored record %s %v", raw, err)
		}
		return nil
	})
	if st, err := c.Status(); err != nil || st.Role != "central" {
		t.Fatalf("status %+v %v", st, err)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	c := newSvc(t, st)
	w, cred, err := c.Pair(ctx, "Kasse 1", "admin")
	if err != nil {
		t.Fatal(err)
	}
	ws1, ws2 := memStore(t), memStore(t)
	inst1, inst2 := hexOf(ws1.Self()), hexOf(ws2.Self())
	bad := []struct {
		name, cred, inst string
		want             error
	}{
		{"no prefix", strings.TrimPrefix(cred, credPrefix), inst1, ErrBadCredential},
		{"no secret part", credPrefix + w.ID, inst1, ErrBadCredential},
		{"wrong secret", cred + "x", inst1, ErrBadCredential},
		{"unknown workstation", credPrefix + "00000000-0000-4000-8000-000000000000_abc", inst1, ErrBadCredential},
		{"bad instance", cred, "zz", ErrBadCredential},
		{"the central itself", cred, hexOf(st.Self()), ErrSelf},
	}
	for _, b := range bad {
		if _, err := c.Authenticate(ctx, b.cred, b.inst); !errors.Is(err, b.want) {
			t.Errorf("%s: %v, want %v", b.name, err, b.want)
		}
	}
	got, err := c.Authenticate(ctx, cred, inst1)
	if err != nil || got.ID != w.ID || got.Instance != inst1 || got.SecretHash != "" {
		t.Fatalf("first use: %+v %v", got, err)
	}
	// Bound to the first instance: a copy of the credential elsewhere is refused.
	if _, err := c.Authenticate(ctx, cred, inst2); !errors.Is(err, ErrOtherInstance) {
		t.Fatalf("other instance: %v", err)
	}
	// A second credential cannot pair the same instance again.
	_, cred2, err := c.Pair(ctx, "Kasse 2", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, cred2, inst1); !errors.Is(err, ErrOtherInstance) {
		t.Fatalf("second credential for a paired instance: %v", err)
	}
	// Revoking ends the credential at once, cached or not.
	if err := c.Revoke(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, cred, inst1); !errors.Is(err, ErrBadCredential) {
		t.Fatalf("revoked: %v", err)
	}
	if err := c.Revoke(ctx, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
}

// TestPushAndPull carries a workstation's outbox to the central and the
// central's organization data back, the way the HTTP handlers do.
func TestPushAndPull(t *testing.T) {
	ctx := context.Background()
	central, ws := memStore(t), memStore(t)
	c := newSvc(t, central)
	put(t, central, "org/central-org", `{"name":"C"}`)
	w, cred, err := c.Pair(ctx, "Kasse 1", "admin")
	if err != nil {
		t.Fatal(err)
	}
	w, err = c.Authenticate(ctx, cred, hexOf(ws.Self()))
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SetOutboxMode(ctx, store.OutboxWorkstation); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.ContinueSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	const tssID = "t1"
	put(t, ws, "org/ws-org", `{"name":"W"}`, "tss/"+tssID, `{"id":"t1"}`, "log/"+tssID+"/\x00\x00\x00\x00\x00\x00\x00\x01", "signed",
		string(store.TSSCounterKey(tssID)), string(store.TSSCounters{Sig: 1, Tx: 7}.Encode()))
	batch := outbox(t, ws, 0)
	res, err := c.Push(ctx, w, batch)
	if err != nil || res.Applied != len(batch) || res.Cursor != batch[len(batch)-1].Seq {
		t.Fatalf("push %+v %v", res, err)
	}
	// The same batch again changes nothing.
	if again, err := c.Push(ctx, w, batch); err != nil || again.Applied != 0 || again.Skipped != len(batch) {
		t.Fatalf("repeated push %+v %v", again, err)
	}
	// A batch claiming to come from another instance is refused whole.
	forged := []store.Entry{{Seq: 1 << 40, Origin: central.Self(), Ops: []store.Op{{Key: []byte("org/x"), Value: []byte("x")}}}}
	if _, err := c.Push(ctx, w, forged); !errors.Is(err, ErrBadBatch) {
		t.Fatalf("forged origin: %v", err)
	}
	var logv []byte
	_ = central.View(func(tx store.Tx) (err error) {
		logv, err = tx.Get([]byte("log/" + tssID + "/\x00\x00\x00\x00\x00\x00\x00\x01"))
		return err
	})
	if string(logv) != "signed" {
		t.Fatalf("signed log at the central: %q", logv)
	}
	// The list adds up what each workstation signs.
	list, err := c.Workstations()
	if err != nil || len(list) != 1 {
		t.Fatalf("workstations %+v %v", list, err)
	}
	if got := list[0]; got.TSS != 1 || got.Transactions != 7 || got.Cursor != res.Cursor || got.Entries != uint64(len(batch)) || got.SecretHash != "" {
		t.Fatalf("workstation record %+v", got)
	}
	// Pull: the central's org data, without what came from this workstation.
	frames, last, err := c.Pull(w, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range frames {
		e, err := store.DecodeEntry(f.Seq, f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if e.Origin == ws.Self() {
			t.Fatal("pull hands the workstation its own change")
		}
		for _, op := range e.Ops {
			keys = append(keys, string(op.Key))
		}
	}
	if len(keys) != 1 || keys[0] != "org/central-org" {
		t.Fatalf("pulled keys %q", keys)
	}
	if _, top, _ := central.OutboxBacklog(); last != top {
		t.Fatalf("pull's last %d, outbox top %d: the cursor must pass the skipped entries", last, top)
	}
}

func TestCheckRemoteURL(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"https://central.example.com/", "https://central.example.com", nil},
		{" https://central.example.com:8443 ", "https://central.example.com:8443", nil},
		{"http://127.0.0.1:8280", "http://127.0.0.1:8280", nil},
		{"http://localhost:8280/", "http://localhost:8280", nil},
		{"http://[::1]:8280", "http://[::1]:8280", nil},
		{"http://central.example.com", "", ErrRemoteScheme},
		{"http://10.0.0.5:8280", "", ErrRemoteScheme},
	}
	for _, c := range cases {
		got, err := checkRemoteURL(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%q: %q %v, want %q %v", c.in, got, err, c.want, c.err)
		}
	}
	for _, bad := range []string{"central.example.com", "ftp://x", "https://", ""} {
		if _, err := checkRemoteURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBackoffDoublesToAMinuteWithJitter(t *testing.T) {
	for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: time.Minute, 50: time.Minute} {
		for range 20 {
			if d := backoff(n); d < base/2 || d > base {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, base/2, base)
			}
		}
	}
}

// TestRecordKeepsTheStatus: failures count up and set the pause, a good
// round clears them, totals add up, and the state survives a restart of
// the service (it is stored when something moved or failed).
func TestRecordKeepsTheStatus(t *testing.T) {
	st := memStore(t)
	s := newSvc(t, st)
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }
	s.record(RoundResult{Pushed: 3, Pulled: 1}, nil)
	s.record(RoundResult{}, errors.New("connection refused"))
	s.record(RoundResult{}, errors.New("connection refused"))
	got := s.loadState()
	if got.Failures != 2 || got.LastError != "connection refused" || got.Pushed != 3 || got.Pulled != 1 || got.NextAttempt <= now.Unix() {
		t.Fatalf("after two failures %+v", got)
	}
	if s.ws.retry < time.Second || s.ws.retry > 2*time.Second {
		t.Fatalf("pause after two failures %v", s.ws.retry)
	}
	s.record(RoundResult{Pushed: 2, Conflicts: 1}, nil)
	got = s.loadState()
	if got.Failures != 0 || got.LastError != "" || got.Pushed != 5 || got.Conflicts != 1 || !got.SnapshotDone || got.LastSyncAt != now.Unix() || s.ws.retry != 0 {
		t.Fatalf("after a good round %+v", got)
	}
	// A new service on the same store reads the stored totals.
	if again := newSvc(t, st).loadState(); again.Pushed != 5 || again.Conflicts != 1 {
		t.Fatalf("after restart %+v", again)
	}
}

func TestConnectRefusals(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	s := newSvc(t, st)
	if _, err := s.Connect(ctx, "http://central.example.com", credPrefix+"x_y", ""); !errors.Is(err, ErrRemoteScheme) {
		t.Fatalf("plain http: %v", err)
	}
	if _, err := s.Connect(ctx, "https://central.example.com", "secret", ""); !errors.Is(err, ErrCredentialShape) {
		t.Fatalf("credential shape: %v", err)
	}
	if _, _, err := s.Pair(ctx, "Kasse", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Connect(ctx, "https://central.example.com", credPrefix+"x_y", ""); !errors.Is(err, ErrIsCentral) {
		t.Fatalf("a central connecting: %v", err)
	}
	if _, err := s.Round(ctx); !errors.Is(err, ErrNotPaired) {
		t.Fatalf("round while not paired: %v", err)
	}
}
