package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/time/rate"
)

// The cloud's per-resource limits (fiskaly-api §3.1): listing a TSS's
// transactions 20 requests a minute per TSS, reading an export or its
// file 12 a minute per export.
var (
	txListLimit = limit{per: time.Minute, n: 20}
	exportLimit = limit{per: time.Minute, n: 12}
)

type limit struct {
	per time.Duration
	n   int
}

// limiters keeps one token bucket per limited resource and forgets
// buckets that have been idle for a while.
type limiters struct {
	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	l    *rate.Limiter
	used time.Time
}

func newLimiters() *limiters { return &limiters{m: map[string]*bucket{}} }

// allow reports whether one more request for key fits, else how long to wait.
func (ls *limiters) allow(key string, lim limit) (bool, time.Duration) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	now := time.Now()
	if now.Sub(ls.swept) > time.Minute {
		for k, b := range ls.m {
			if now.Sub(b.used) > 2*lim.per {
				delete(ls.m, k)
			}
		}
		ls.swept = now
	}
	b, ok := ls.m[key]
	if !ok {
		b = &bucket{l: rate.NewLimiter(rate.Every(lim.per/time.Duration(lim.n)), lim.n)}
		ls.m[key] = b
	}
	b.used = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimit limits requests per value of the path parameter param. The
// cloud's limits are for API clients; a person paging and filtering in the
// dashboard (a user session) is not held to them.
func (a *handlers) rateLimit(scope, param string, lim limit) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := principal(r); a.limits == nil || (p != nil && p.Kind == "user") {
				next.ServeHTTP(w, r)
				return
			}
			if ok, wait := a.limits.allow(scope+"/"+chi.URLParam(r, param), lim); !ok {
				secs := int(math.Ceil(wait.Seconds()))
				w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
				writeError(w, r, Errorf(http.StatusTooManyRequests, "E_TOO_MANY_REQUESTS", "Rate limit of %d requests per minute reached; retry in %d s", lim.n, max(secs, 1)))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
