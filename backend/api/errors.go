package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rs/zerolog"
)

// Error is the one error type of the HTTP layer. It is written as fiskaly's
// error body {"status_code","error","code","message"}; Code is omitted when
// empty, as the cloud does for authentication failures.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when set, is sent as the Retry-After header (seconds).
	RetryAfter int
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes for errors the HTTP layer itself produces. The cloud documents no
// codes for these; see docs/http.md.
const (
	CodeRouteNotFound    = "E_ROUTE_NOT_FOUND"
	CodeMethodNotAllowed = "E_METHOD_NOT_ALLOWED"
	CodeBodyTooLarge     = "E_BODY_TOO_LARGE"
	CodeInternal         = "E_INTERNAL"
	CodeUnavailable      = "E_UNAVAILABLE"
	CodeUnauthorized     = "E_UNAUTHORIZED"
	CodeParser           = "E_PARSER"
)

var (
	errRouteNotFound = &Error{Status: http.StatusNotFound, Code: CodeRouteNotFound, Message: "Route not found"}
	errBodyTooLarge  = &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge, Message: fmt.Sprintf("Request body exceeds 1 MB (%d bytes)", MaxBodyBytes)}
	errInternal      = &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "Internal server error"}
)

type errorBody struct {
	StatusCode int    `json:"status_code"`
	Error      string `json:"error"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message"`
}

// writeError turns any error into fiskaly's error body and logs it once.
// Errors that are not *Error become a 500 whose message reveals nothing
// about the cause; the cause goes to the log only.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &tooLarge):
		e = errBodyTooLarge
	case domainError(err) != nil:
		e = domainError(err)
	default:
		zerolog.Ctx(r.Context()).Error().Err(err).Str("path", r.URL.Path).Msg("request failed")
		e = errInternal
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	writeJSON(w, e.Status, errorBody{e.Status, http.StatusText(e.Status), e.Code, e.Message})
}

// writeJSON writes v with status. Errors and successes share the content
// type; the cloud's differing charset is not something clients rely on.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeEncoded answers 200 with b, a JSON encoding made elsewhere, as
// writeJSON would (with its trailing newline).
func writeEncoded(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte{'\n'})
}

// reply ends a handler: err if there is one, else v as JSON with 200.
func reply(w http.ResponseWriter, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// HandlerFunc is a handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

func (fn HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := fn(w, r); err != nil {
		writeError(w, r, err)
	}
}
