package auth

import (
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
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
	locked, wait := l.Locked("a")
	if !locked || wait != 30*time.Second {
		t.Fatalf("locked=%v wait=%v, want locked for 30s (first failure at t0, now t0+30s)", locked, wait)
	}
	if locked, _ := l.Locked("b"); locked {
		t.Fatal("identities must not share a count")
	}
	now = now.Add(31 * time.Second) // the first failure left the window
	if locked, _ := l.Locked("a"); locked {
		t.Fatal("still locked after the window")
	}
	l.Fail("a")
	l.Succeed("a")
	if len(l.fails) != 0 {
		t.Fatal("success must clear the count")
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
