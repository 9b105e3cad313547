package api

import (
	"context"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/sync"
)

// MaxBodyBytes is the request body limit of the fiskaly APIs (1 MB).
const MaxBodyBytes = 1 << 20

// maxRequestIDLen bounds an echoed request id so a client cannot make us
// log or return arbitrarily long headers.
const maxRequestIDLen = 200

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id of the request carrying ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID echoes the client's `request-id` (or X-Request-ID) header when it
// is a sane token, else generates one, and returns it under both names the
// cloud uses.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Request-Id")
		if id == "" {
			id = r.Header.Get("X-Request-Id")
		}
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		h := w.Header()
		h.Set("Request-Id", id)
		h.Set("X-Request-Id", id)
		h.Set("Access-Control-Expose-Headers", "X-Request-ID, Request-ID")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// accessLog writes one line per request and puts a request-scoped logger
// into the context for handlers and writeError.
func accessLog(log zerolog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rl := log.With().Str("request_id", RequestID(r.Context())).Logger()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				ev := rl.Info()
				if status >= 500 {
					ev = rl.Error()
				}
				ev.Str("method", r.Method).
					Str("host", r.Host).
					Str("path", r.URL.Path).
					Int("status", status).
					Int("bytes", ww.BytesWritten()).
					Dur("duration", time.Since(start)).
					Str("remote", r.RemoteAddr).
					Str("user_agent", r.UserAgent()).
					Msg("request")
			}()
			next.ServeHTTP(ww, r.WithContext(rl.WithContext(r.Context())))
		})
	}
}

// recoverer turns a panic into a logged stack trace and a plain 500 body.
// http.ErrAbortHandler is re-panicked: net/http uses it to abort a response.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			zerolog.Ctx(r.Context()).Error().
				Interface("panic", rec).
				Bytes("stack", debug.Stack()).
				Str("path", r.URL.Path).
				Msg("panic in handler")
			writeError(w, r, errInternal)
		}()
		next.ServeHTTP(w, r)
	})
}

// syncPushPath takes batches larger than an API body.
const syncPushPath = "/api/sync/v1/push"

// restorePath takes a whole backup file, streamed to disk.
const (
	restorePath     = "/api/dashboard/restore"
	MaxRestoreBytes = 64 << 30
)

// limitBody refuses a declared body over MaxBodyBytes at once and caps
// undeclared (chunked) bodies so that reading past the limit fails with
// *http.MaxBytesError, which writeError maps to the same 413.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		switch r.URL.Path {
		case syncPushPath:
			limit = sync.MaxBatchBytes
		case restorePath:
			limit = MaxRestoreBytes
		}
		if r.ContentLength > limit {
			// Tell net/http not to try to drain the rest of a huge body.
			w.Header().Set("Connection", "close")
			writeError(w, r, errBodyTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// versionHeader stamps every response with the fiskaldesk version so a POS
// developer can tell the emulator from the cloud in a trace.
func versionHeader(version string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Fiskaldesk-Version", version)
			next.ServeHTTP(w, r)
		})
	}
}

// Request ids (and the other random UUIDs of a request) come from a pool
// of random bytes read in blocks instead of one crypto/rand read per id.
func init() { uuid.EnableRandPool() }
