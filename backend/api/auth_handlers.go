package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
)

// authRequest is api_key and api_secret, or refresh_token.
type authRequest struct {
	APIKey       string `json:"api_key,omitempty"`
	APISecret    string `json:"api_secret,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// postAuth is POST /auth of all three APIs. It ignores any Authorization
// header (clients send an empty "Bearer"). unauthorized is the message the
// API family uses for bad credentials.
func (a *handlers) postAuth(unauthorized string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req authRequest
		if err := decode(r, &req); err != nil {
			return err
		}
		bad := &Error{Status: http.StatusUnauthorized, Code: "", Message: unauthorized}
		var resp *auth.AuthResponse
		switch {
		case req.APIKey != "" || req.APISecret != "":
			if req.APIKey == "" || req.APISecret == "" {
				return Errorf(http.StatusBadRequest, CodeSchema, "api_key and api_secret are both required")
			}
			id := "key:" + req.APIKey
			if err := a.checkLimit(w, id); err != nil {
				return err
			}
			k, err := a.auth.Authenticate(req.APIKey, req.APISecret)
			if errors.Is(err, auth.ErrInvalidCredentials) {
				a.auth.Logins.Fail(id)
				return bad
			}
			if err != nil {
				return err
			}
			a.auth.Logins.Succeed(id)
			if resp, err = a.auth.IssueForKey(k); err != nil {
				return err
			}
		case req.RefreshToken != "":
			var err error
			resp, err = a.auth.Refresh(req.RefreshToken)
			if errors.Is(err, auth.ErrInvalidCredentials) {
				return bad
			}
			if err != nil {
				return err
			}
		default:
			return Errorf(http.StatusBadRequest, CodeSchema, "send api_key and api_secret, or refresh_token")
		}
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
}

// checkLimit refuses an identity locked by too many failed logins with
// 429 and Retry-After.
func (a *handlers) checkLimit(w http.ResponseWriter, id string) error {
	locked, wait := a.auth.Logins.Locked(id)
	if !locked {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return Errorf(http.StatusTooManyRequests, "E_TOO_MANY_REQUESTS", "Too many failed logins; retry in %s", (time.Duration(secs) * time.Second).String())
}
