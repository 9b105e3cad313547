package sync

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Batch limits of pull, and the central's workstation list order.

func TestPullKeepsToTheBatchLimits(t *testing.T) {
	ctx := context.Background()
	central, ws := memStore(t), memStore(t)
	c := newSvc(t, central)
	w, cred, err := c.Pair(ctx, "Kasse 1", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if w, err = c.Authenticate(ctx, cred, hexOf(ws.Self())); err != nil {
		t.Fatal(err)
	}
	_, start, _ := central.OutboxBacklog()
	big := bytes.Repeat([]byte("x"), 300<<10)
	for i := range 6 {
		put(t, central, fmt.Sprintf("org/big-%d", i), string(big))
	}
	huge := bytes.Repeat([]byte("y"), BatchBytes+(100<<10))
	put(t, central, "org/huge", string(huge))
	_, top, _ := central.OutboxBacklog()

	seen := map[string]int{}
	after, pulls := start, 0
	for after < top {
		frames, last, err := c.Pull(w, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		pulls++
		size := 0
		for _, f := range frames {
			size += len(f.Payload)
			e, err := store.DecodeEntry(f.Seq, f.Payload)
			if err != nil || f.Seq <= after || f.Seq > last {
				t.Fatalf("frame %d outside (%d, %d]: %v", f.Seq, after, last, err)
			}
			for _, op := range e.Ops {
				seen[string(op.Key)]++
			}
		}
		// At most BatchBytes, unless one entry alone is larger.
		if size > BatchBytes && len(frames) > 1 {
			t.Fatalf("pull of %d frames holds %d bytes", len(frames), size)
		}
		if last <= after {
			t.Fatalf("pull after %d did not move (last %d)", after, last)
		}
		after = last
	}
	if pulls < 3 {
		t.Fatalf("%d pulls for 1.8 MiB and an entry over the batch size", pulls)
	}
	for _, k := range []string{"org/big-0", "org/big-5", "org/huge"} {
		if seen[k] != 1 {
			t.Errorf("%s pulled %d times", k, seen[k])
		}
	}
	// The count limit holds too.
	frames, _, err := c.Pull(w, start, 2)
	if err != nil || len(frames) != 2 {
		t.Fatalf("limit 2: %d frames %v", len(frames), err)
	}
}

func TestWorkstationsNewestFirst(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	c := newSvc(t, st)
	clock := time.Unix(1_800_000_000, 0)
	c.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	var want []string
	for i := range 6 {
		w, _, err := c.Pair(ctx, fmt.Sprint("Kasse ", i), "admin")
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{w.Name}, want...)
	}
	list, err := c.Workstations()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range list {
		got = append(got, w.Name)
		if w.SecretHash != "" {
			t.Fatal("the list carries a secret hash")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("order %q, want newest first %q", got, want)
	}
}

// TestRunSyncsOnKickAndStops runs the loop against the fake central: a
// round at once, another on Kick, a failing round and the next one on
// Kick instead of after the backoff, and a prompt return when its
// context ends. It waits for the central's requests, never for a time.
func TestRunSyncsOnKickAndStops(t *testing.T) {
	c, srv := newFakeCentral(t)
	ws, s, _ := pairedWorkstation(t, c, srv.URL)
	served := make(chan string, 64)
	c.mu.Lock()
	c.served = served
	c.mu.Unlock()
	waitFor := func(path string) {
		t.Helper()
		for p := range served {
			if p == path {
				return
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()

	waitFor("/api/sync/v1/pull") // the first round, at once
	put(t, ws, "org/changed", "1")
	// Kick, not only the change: the loop may not be waiting on the
	// change signal yet, and would then take idleRound (5 s).
	s.Kick()
	waitFor("/api/sync/v1/push")
	waitFor("/api/sync/v1/pull")
	if get(t, c.st, "org/changed") != "1" {
		t.Fatal("the change did not reach the central")
	}
	c.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		httpError(w, 503, "E_UNAVAILABLE", "down")
		return true
	})
	put(t, ws, "org/while-down", "2")
	s.Kick()
	waitFor("/api/sync/v1/push") // refused
	c.setFault(nil)
	s.Kick() // no waiting out the backoff
	waitFor("/api/sync/v1/pull")
	if get(t, c.st, "org/while-down") != "2" {
		t.Fatal("the change made while the central was down did not arrive")
	}
	cancel()
	<-done
	st, err := s.Status()
	if err != nil || st.State.Pushed == 0 {
		t.Fatalf("status %+v %v", st.State, err)
	}
}

func TestStatusOfAStandaloneInstance(t *testing.T) {
	st := memStore(t)
	s := newSvc(t, st)
	got, err := s.Status()
	self := st.Self()
	if err != nil || got.Role != "standalone" || got.Remote != nil || got.State != nil || got.Backlog != 0 || got.Self != hexOf(self) {
		t.Fatalf("%+v %v", got, err)
	}
	// Changes of a standalone instance are not kept for anyone.
	put(t, st, "org/x", "1")
	if got, _ := s.Status(); got.Backlog != 0 || got.Last != 0 {
		t.Fatalf("a standalone instance keeps a backlog: %+v", got)
	}
	if sealed, err := s.CheckSealer(); sealed || err != nil {
		t.Fatalf("CheckSealer %v %v", sealed, err)
	}
}
