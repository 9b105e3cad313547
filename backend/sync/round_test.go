package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	gosync "sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// The workstation side end to end: Connect and Round against a central
// served over HTTP by the central side of this package, as the api
// package serves it (hello, push, pull), with faults injected.

// fakeCentral serves the sync protocol from a central Service.
type fakeCentral struct {
	t  *testing.T
	st *store.Store
	s  *Service
	// pullLimit caps each pull answer (a central may send fewer than asked).
	pullLimit int

	mu gosync.Mutex
	// fault, when set, answers a request instead of the handler.
	fault  func(w http.ResponseWriter, r *http.Request) bool
	pushes int
	pulls  int
	// served, when set, gets the path of every request answered, after
	// the answer is written.
	served chan string
}

func newFakeCentral(t *testing.T) (*fakeCentral, *httptest.Server) {
	st := memStore(t)
	c := &fakeCentral{t: t, st: st, s: newSvc(t, st), pullLimit: 1000}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status_code": status, "code": code, "message": msg})
}

func (c *fakeCentral) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	fault, served := c.fault, c.served
	c.mu.Unlock()
	if served != nil {
		defer func() { served <- r.URL.Path }()
	}
	if fault != nil && fault(w, r) {
		return
	}
	cred, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	ws, err := c.s.Authenticate(r.Context(), cred, r.Header.Get(InstanceHeader))
	if err != nil {
		httpError(w, http.StatusUnauthorized, "E_UNAUTHORIZED", err.Error())
		return
	}
	switch r.URL.Path {
	case "/api/sync/v1/hello":
		st, err := c.s.Status()
		if err != nil {
			httpError(w, 500, "E_INTERNAL", err.Error())
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"central_instance": st.Self, "workstation": ws})
	case "/api/sync/v1/push":
		c.mu.Lock()
		c.pushes++
		c.mu.Unlock()
		if r.Header.Get("Content-Type") != ContentType {
			httpError(w, http.StatusUnsupportedMediaType, "E_SYNC_BAD_BATCH", "content type")
			return
		}
		entries, err := ReadEntries(r.Body, MaxBatchBytes)
		if err != nil {
			httpError(w, 400, "E_SYNC_BAD_BATCH", err.Error())
			return
		}
		res, err := c.s.Push(r.Context(), ws, entries)
		if err != nil {
			httpError(w, 409, "E_SYNC", err.Error())
			return
		}
		_ = json.NewEncoder(w).Encode(PushAnswer{Cursor: res.Cursor, Applied: res.Applied, Skipped: res.Skipped, Conflicts: res.Conflicts})
	case "/api/sync/v1/pull":
		c.mu.Lock()
		c.pulls++
		c.mu.Unlock()
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		limit = min(limit, c.pullLimit)
		frames, last, err := c.s.Pull(ws, after, limit)
		if err != nil {
			httpError(w, 500, "E_INTERNAL", err.Error())
			return
		}
		w.Header().Set(LastHeader, strconv.FormatUint(last, 10))
		w.Header().Set(MoreHeader, strconv.FormatBool(last > after && len(frames) > 0 || len(frames) == limit))
		_ = WriteFrames(w, frames)
	default:
		http.NotFound(w, r)
	}
}

func (c *fakeCentral) setFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	c.mu.Lock()
	c.fault = f
	c.mu.Unlock()
}

func get(t *testing.T, st *store.Store, k string) string {
	t.Helper()
	var v []byte
	err := st.View(func(tx store.Tx) (err error) { v, err = tx.Get([]byte(k)); return err })
	if errors.Is(err, store.ErrNotFound) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// pairedWorkstation connects a new workstation to c.
func pairedWorkstation(t *testing.T, c *fakeCentral, url string) (*store.Store, *Service, *Remote) {
	t.Helper()
	ctx := context.Background()
	_, cred, err := c.s.Pair(ctx, "Kasse 1", "admin")
	if err != nil {
		t.Fatal(err)
	}
	st := memStore(t)
	s := newSvc(t, st)
	r, err := s.Connect(ctx, url+"/", "  "+cred+"\n", "")
	if err != nil {
		t.Fatal(err)
	}
	return st, s, r
}

func TestRoundPushesAndPullsInBatches(t *testing.T) {
	ctx := context.Background()
	c, srv := newFakeCentral(t)
	c.pullLimit = 3                         // the pull loop must ask again
	put(t, c.st, "org/before-pairing", "b") // goes out in the central's snapshot
	ws, s, r := pairedWorkstation(t, c, srv.URL)
	for i := range 8 { // one outbox entry each
		put(t, c.st, fmt.Sprintf("org/central-%d", i), fmt.Sprintf(`{"n":%d}`, i))
	}
	self := c.st.Self()
	if r.URL != srv.URL || r.Central != hexOf(self) || r.Workstation == "" || bytes.Contains(r.SealedCredential, []byte(credPrefix)) {
		t.Fatalf("remote %+v", r)
	}
	if ws.OutboxMode() != store.OutboxWorkstation {
		t.Fatal("connecting did not make a workstation")
	}
	// More than one push batch of entries (pushEntries each).
	for i := range pushEntries + 50 {
		put(t, ws, fmt.Sprintf("org/ws-%04d", i), "w")
	}
	res, err := s.Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed < pushEntries+50 || res.Pulled < 8 || res.Backlog != 0 || res.Conflicts != 0 {
		t.Fatalf("round %+v", res)
	}
	if c.pushes < 2 || c.pulls < 3 {
		t.Fatalf("%d pushes, %d pulls: the batches were not split", c.pushes, c.pulls)
	}
	for _, k := range []string{"org/ws-0000", fmt.Sprintf("org/ws-%04d", pushEntries+49)} {
		if get(t, c.st, k) != "w" {
			t.Errorf("%s not at the central", k)
		}
	}
	if get(t, ws, "org/before-pairing") != "b" {
		t.Error("the central's data of before the pairing did not arrive")
	}
	for i := range 8 {
		if got := get(t, ws, fmt.Sprintf("org/central-%d", i)); got != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("central-%d at the workstation: %q", i, got)
		}
	}
	// The pushed outbox is pruned; the central's cursor is stored.
	if n, _, err := ws.OutboxBacklog(); err != nil || n != 0 {
		t.Fatalf("backlog %d %v", n, err)
	}
	cur, err := ws.Cursor(store.SyncPeerKey(r.Central))
	if _, top, _ := c.st.OutboxBacklog(); err != nil || cur != top {
		t.Fatalf("pull cursor %d, central's outbox at %d (%v)", cur, top, err)
	}
	// Nothing new: nothing moves.
	c.pushes, c.pulls = 0, 0
	again, err := s.Round(ctx)
	if err != nil || again.Pushed != 0 || again.Pulled != 0 || c.pushes != 0 {
		t.Fatalf("idle round %+v %v (%d pushes)", again, err, c.pushes)
	}
	st, err := s.Status()
	if err != nil || st.Role != "workstation" || st.Remote == nil || st.Remote.SealedCredential != nil || st.State == nil ||
		st.State.Pushed != uint64(res.Pushed) || st.State.Pulled != uint64(res.Pulled) || !st.State.SnapshotDone || st.State.LastSyncAt == 0 || st.Backlog != 0 {
		t.Fatalf("status %+v %+v %v", st, st.State, err)
	}
	// The central's list shows what arrived.
	list, err := c.s.Workstations()
	if err != nil || len(list) != 1 || list[0].Entries < uint64(res.Pushed) || list[0].Instance != hexOf(ws.Self()) || list[0].LastSeenAt == 0 {
		t.Fatalf("workstations %+v %v", list, err)
	}
}

// TestAConflictKeepsBothVersions: org data changed on both sides between
// rounds ends equal on both, with the conflict recorded and both values
// kept.
func TestAConflictKeepsBothVersions(t *testing.T) {
	ctx := context.Background()
	c, srv := newFakeCentral(t)
	put(t, c.st, "org/shared", `{"name":"original"}`)
	ws, s, _ := pairedWorkstation(t, c, srv.URL)
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	put(t, c.st, "org/shared", `{"name":"central"}`)
	put(t, ws, "org/shared", `{"name":"workstation"}`)
	res, err := s.Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Conflicts == 0 {
		t.Fatalf("round %+v: no conflict counted", res)
	}
	cv, wv := get(t, c.st, "org/shared"), get(t, ws, "org/shared")
	if cv != wv {
		t.Fatalf("after the round the sides differ: central %s, workstation %s", cv, wv)
	}
	var kept []store.Conflict
	for _, st := range []*store.Store{c.st, ws} {
		list, _, err := st.Conflicts(10)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, list...)
	}
	found := false
	for _, k := range kept {
		vals := string(k.Kept.Value) + "|" + string(k.Lost.Value)
		if k.Key == "org/shared" && strings.Contains(vals, "central") && strings.Contains(vals, "workstation") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no conflict keeps both versions: %+v", kept)
	}
	st, _ := s.Status()
	if st.State.Conflicts != uint64(res.Conflicts) {
		t.Fatalf("status conflicts %d, round %d", st.State.Conflicts, res.Conflicts)
	}
}

func TestRoundFailuresLoseNothing(t *testing.T) {
	ctx := context.Background()
	c, srv := newFakeCentral(t)
	ws, s, _ := pairedWorkstation(t, c, srv.URL)
	put(t, ws, "org/a", "1")
	put(t, ws, "org/b", "2")
	if _, err := ws.ContinueSnapshot(ctx); err != nil { // what the first round does first
		t.Fatal(err)
	}
	backlog := func() int {
		n, _, err := ws.OutboxBacklog()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	pending := backlog()
	isPath := func(p string) func(*http.Request) bool {
		return func(r *http.Request) bool { return r.URL.Path == p }
	}
	cases := []struct {
		name  string
		when  func(*http.Request) bool
		serve func(w http.ResponseWriter, r *http.Request)
		check func(error) bool
	}{
		{"the central is down", isPath("/api/sync/v1/push"),
			func(w http.ResponseWriter, r *http.Request) { httpError(w, 503, "E_UNAVAILABLE", "maintenance") },
			func(err error) bool {
				var re *RemoteError
				return errors.As(err, &re) && re.Status == 503 && re.Code == "E_UNAVAILABLE" && re.Message == "maintenance"
			}},
		{"the central acknowledges less than the batch", isPath("/api/sync/v1/push"),
			func(w http.ResponseWriter, r *http.Request) {
				_ = json.NewEncoder(w).Encode(PushAnswer{Cursor: 1, Applied: 1})
			},
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "acknowledged 1 of a batch") }},
		{"an answer that is not JSON", isPath("/api/sync/v1/push"),
			func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>proxy</html>")) },
			func(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "push:") }},
	}
	for _, tc := range cases {
		c.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			if tc.when(r) {
				tc.serve(w, r)
				return true
			}
			return false
		})
		_, err := s.Round(ctx)
		if !tc.check(err) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if got := backlog(); got != pending {
			t.Errorf("%s: backlog %d → %d: unacknowledged entries were pruned", tc.name, pending, got)
		}
	}
	st, _ := s.Status()
	if st.State.Failures != len(cases) || st.State.LastError == "" || st.State.NextAttempt == 0 {
		t.Fatalf("status after failures %+v", st.State)
	}
	// Pull faults: the outbox goes out, but a bad pull answer is refused whole.
	pullCases := []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request)
		want  string
	}{
		{"no Sync-Last header", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }, "no Sync-Last header"},
		{"a malformed batch", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(LastHeader, "5")
			_, _ = w.Write([]byte{0, 0, 0})
		}, "malformed sync batch"},
		{"an entry the workstation has already", func(w http.ResponseWriter, r *http.Request) {
			// The entry at the workstation's cursor again.
			cur, _ := ws.Cursor(store.SyncPeerKey(hexOf(c.st.Self())))
			frames, last, _ := c.st.ReadOutbox(cur-1, 1, 1<<20, nil)
			if len(frames) != 1 || frames[0].Seq != cur {
				t.Errorf("no entry at the cursor %d: %v", cur, frames)
			}
			w.Header().Set(LastHeader, strconv.FormatUint(last+1, 10))
			_ = WriteFrames(w, frames)
		}, "at or before the cursor"},
	}
	// One good round moves the pull cursor past the central's entries.
	c.setFault(nil)
	put(t, c.st, "org/first", "f")
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if cur, _ := ws.Cursor(store.SyncPeerKey(hexOf(c.st.Self()))); cur == 0 {
		t.Fatal("no pull cursor")
	}
	put(t, c.st, "org/central", "c") // something to pull
	for _, tc := range pullCases {
		c.setFault(func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/api/sync/v1/pull" {
				tc.serve(w, r)
				return true
			}
			return false
		})
		_, err := s.Round(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "pull:") || (tc.want != "" && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if got := get(t, ws, "org/central"); got != "<none>" {
			t.Errorf("%s: a refused pull applied %q", tc.name, got)
		}
	}
	if backlog() != 0 {
		t.Fatal("the push before the failing pull was not pruned")
	}
	// Healed: one good round clears the failure count and brings everything.
	c.setFault(nil)
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ = s.Status()
	if st.State.Failures != 0 || st.State.LastError != "" || get(t, ws, "org/central") != "c" || get(t, c.st, "org/b") != "2" {
		t.Fatalf("after healing %+v", st.State)
	}
}

func TestRevokedOrMovedCredentials(t *testing.T) {
	ctx := context.Background()
	c, srv := newFakeCentral(t)
	ws, s, r := pairedWorkstation(t, c, srv.URL)
	_ = ws
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.s.Revoke(ctx, r.Workstation); err != nil {
		t.Fatal(err)
	}
	w, err := c.s.Workstation(r.Workstation)
	if err != nil || w.RevokedAt == 0 || w.SecretHash != "" {
		t.Fatalf("revoked record %+v %v", w, err)
	}
	first := w.RevokedAt
	if err := c.s.Revoke(ctx, r.Workstation); err != nil {
		t.Fatal(err)
	}
	if w, _ := c.s.Workstation(r.Workstation); w.RevokedAt != first {
		t.Fatal("revoking again moved the time")
	}
	_, err = s.Round(ctx)
	var re *RemoteError
	if !errors.As(err, &re) || re.Status != http.StatusUnauthorized {
		t.Fatalf("round with a revoked credential: %v", err)
	}
	for _, id := range []string{"nope"} {
		if _, err := c.s.Workstation(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("workstation %q: %v", id, err)
		}
		if err := c.s.Revoke(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoke %q: %v", id, err)
		}
	}
}

func TestConnectChecksTheCentral(t *testing.T) {
	ctx := context.Background()
	c, srv := newFakeCentral(t)
	_, cred, err := c.s.Pair(ctx, "Kasse", "admin")
	if err != nil {
		t.Fatal(err)
	}
	st := memStore(t)
	s := newSvc(t, st)
	// A wrong credential: refused by the central, nothing stored.
	_, err = s.Connect(ctx, srv.URL, credPrefix+"x_y", "")
	var re *RemoteError
	if !errors.As(err, &re) || re.Status != http.StatusUnauthorized || !strings.Contains(err.Error(), "checking the central instance") {
		t.Fatalf("wrong credential: %v", err)
	}
	if st.OutboxMode() == store.OutboxWorkstation {
		t.Fatal("a refused connect made a workstation")
	}
	if sealed, err := s.CheckSealer(); sealed || err != nil {
		t.Fatalf("nothing sealed yet: %v %v", sealed, err)
	}
	if _, err := s.Connect(ctx, srv.URL, cred, "not a certificate"); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("a CA that is no PEM: %v", err)
	}
	if _, err := s.Connect(ctx, srv.URL, cred, ""); err != nil {
		t.Fatal(err)
	}
	// A workstation cannot pair others.
	if _, _, err := s.Pair(ctx, "Kasse 2", "admin"); !errors.Is(err, ErrIsWorkstation) {
		t.Fatalf("a workstation pairing: %v", err)
	}
	if sealed, err := s.CheckSealer(); !sealed || err != nil {
		t.Fatalf("sealed credential: %v %v", sealed, err)
	}
	other, _ := secret.NewSealer(bytes.Repeat([]byte{4}, 32))
	if sealed, err := NewService(st, other, zerolog.Nop()).CheckSealer(); !sealed || err == nil {
		t.Fatalf("another data key: %v %v", sealed, err)
	}
	if _, err := NewService(st, other, zerolog.Nop()).Round(ctx); err == nil || !strings.Contains(err.Error(), "sync credential") {
		t.Fatalf("a round with another data key: %v", err)
	}
	// The same credential from a second workstation is refused.
	st2 := memStore(t)
	_, err = newSvc(t, st2).Connect(ctx, srv.URL, cred, "")
	if !errors.As(err, &re) || !strings.Contains(re.Message, "another workstation") {
		t.Fatalf("the credential on a second workstation: %v", err)
	}
	s.Kick()
	s.Kick() // a second kick while one is pending does not block
}
