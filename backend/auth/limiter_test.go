package auth

import (
	"testing"
	"time"
)

// The first failures are free; then each attempt waits a delay that
// doubles from the last failure up to the cap, never a fixed lock-out, and
// a success clears it.
func TestLimiterDelaysInsteadOfLocking(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := NewLimiter(3, time.Minute)
	l.now = func() time.Time { return now }

	for i := range 3 {
		if locked, _ := l.Locked("a"); locked {
			t.Fatalf("locked after %d failures", i)
		}
		l.Fail("a")
		now = now.Add(10 * time.Second)
	}
	// Third failure 10 s ago; the first delay is 1 s from it: free again.
	if locked, _ := l.Locked("a"); locked {
		t.Fatal("the first delay counts from the last failure")
	}
	l.Fail("a")
	if locked, wait := l.Locked("a"); !locked || wait != 2*time.Second {
		t.Fatalf("after 4 failures: locked=%v wait=%v, want 2s", locked, wait)
	}
	if locked, _ := l.Locked("b"); locked {
		t.Fatal("identities must not share a count")
	}
	for range 20 { // a guesser who keeps going waits at most the cap
		l.Fail("a")
	}
	if _, wait := l.Locked("a"); wait != LoginMaxDelay {
		t.Fatalf("wait %v, want the cap %v", wait, LoginMaxDelay)
	}
	now = now.Add(LoginMaxDelay)
	if locked, _ := l.Locked("a"); locked {
		t.Fatal("the right secret must get its turn once the delay has passed")
	}
	l.Succeed("a")
	if len(l.fails) != 0 {
		t.Fatal("success must clear the count")
	}
	// Failures leave the window.
	for range 5 {
		l.Fail("c")
	}
	now = now.Add(time.Minute + time.Second)
	if locked, _ := l.Locked("c"); locked || len(l.recent("c")) != 0 {
		t.Fatal("failures older than the window still count")
	}
}

func TestKeyNamesAndStrings(t *testing.T) {
	for name, ok := range map[string]bool{"pos-key": true, "My POS key": true, "a.b_c-d": true, "ab": false, "-abc": false, strings31(): false, "ümlaut": false} {
		in := KeyInput{}
		in.Name.Set, in.Name.V = true, name
		if err := in.validate(true); (err == nil) != ok {
			t.Errorf("name %q: %v", name, err)
		}
	}
	k := keyString("LIVE", "My POS-Key 2")
	if len(k) != len("live_")+24+len("_myposkey2") || k[:5] != "live_" || k[len(k)-10:] != "_myposkey2" {
		t.Fatalf("key string %q", k)
	}
}

func strings31() string { return "abcdefghijklmnopqrstuvwxyz01234" }
