package auth

import (
	"sync"
	"time"
)

// Limiter counts failed logins per identity (an API key or an e-mail
// address) in a sliding window. After max failures the identity is locked
// until the oldest failure leaves the window; a success clears it.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewLimiter allows max failures per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, now: time.Now, fails: map[string][]time.Time{}}
}

// maxTracked bounds memory: past it, identities without recent failures
// are forgotten first.
const maxTracked = 100_000

// Locked reports whether id may not try now, and for how long.
func (l *Limiter) Locked(id string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(id)
	if len(f) < l.max {
		return false, 0
	}
	return true, f[0].Add(l.window).Sub(l.now())
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
