package auth

import (
	"sync"
	"time"
)

// Limiter slows down guessing the secret of one identity (an API key or
// an e-mail address) without letting a third party lock the right secret
// out (docs/security.md › Failed logins). The first Free failures within
// Window cost nothing. After that every attempt must wait, counted from
// the identity's last failure, a delay that doubles with each failure —
// 1 s, 2 s, 4 s … — up to MaxDelay. A success clears the identity.
//
// Someone who knows only a key string can therefore make the key wait at
// most MaxDelay after each of their own (slowed) attempts; they cannot
// lock it for the window as a hard lock-out after N failures would. The
// guesser gets about two tries a minute, enough protection for the
// 10-character passwords and 16-character bootstrap secrets, and generated
// API secrets (40 random characters) are beyond guessing anyway.
type Limiter struct {
	free     int
	window   time.Duration
	base     time.Duration
	maxDelay time.Duration
	now      func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// Defaults of the login limiter.
const (
	LoginFreeFailures = 5
	LoginWindow       = 15 * time.Minute
	LoginBaseDelay    = time.Second
	LoginMaxDelay     = 30 * time.Second
)

// NewLimiter allows free failures per window before delays start.
func NewLimiter(free int, window time.Duration) *Limiter {
	return &Limiter{free: free, window: window, base: LoginBaseDelay, maxDelay: LoginMaxDelay, now: time.Now, fails: map[string][]time.Time{}}
}

// maxTracked bounds memory: past it, identities without recent failures
// are forgotten first.
const maxTracked = 100_000

// Locked reports whether id must wait before its next attempt, and how long.
func (l *Limiter) Locked(id string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(id)
	if len(f) < l.free {
		return false, 0
	}
	d := l.base
	for i := l.free; i < len(f) && d < l.maxDelay; i++ {
		d *= 2
	}
	wait := f[len(f)-1].Add(min(d, l.maxDelay)).Sub(l.now())
	return wait > 0, max(wait, 0)
}

// Fail records a failed attempt of id.
func (l *Limiter) Fail(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) >= maxTracked {
		for k := range l.fails {
			if len(l.recent(k)) == 0 {
				delete(l.fails, k)
			}
		}
	}
	l.fails[id] = append(l.recent(id), l.now())
}

// Succeed clears id's failures.
func (l *Limiter) Succeed(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, id)
}

// recent drops failures older than the window; l.mu must be held.
func (l *Limiter) recent(id string) []time.Time {
	f := l.fails[id]
	cut := l.now().Add(-l.window)
	i := 0
	for i < len(f) && !f[i].After(cut) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, id)
	} else {
		l.fails[id] = f
	}
	return f
}
