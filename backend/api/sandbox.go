package api

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Failure injection (extension, docs/sign-de.md): rules that make signing
// calls of a TSS, or of every TSS of an org, fail or slow down, so a POS
// can test its fallback paths.

type failureBody struct {
	tss.Rule
	DurationS int `json:"duration_s,omitempty"` // the rule ends after this many seconds
}

func (a *handlers) addFailure(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	var err error
	var b failureBody
	if err := decode(r, &b); err != nil {
		return err
	}
	rule := b.Rule
	switch rule.Kind {
	case "error":
		if rule.Status == 0 {
			rule.Status = http.StatusServiceUnavailable
		}
		if rule.Status < 400 || rule.Status > 599 {
			return Errorf(http.StatusBadRequest, CodeSchema, "status: must be 400 to 599")
		}
		if rule.Code == "" {
			rule.Code = "E_TSS_LOCKED"
		}
		if rule.Message == "" {
			rule.Message = "TSS locked (sandbox failure rule)"
		}
	case "latency":
		if rule.LatencyMS < 1 || rule.LatencyMS > 60_000 {
			return Errorf(http.StatusBadRequest, CodeSchema, "latency_ms: must be 1 to 60000")
		}
	case "defective":
	default:
		return Errorf(http.StatusBadRequest, CodeSchema, "kind: must be error, latency or defective")
	}
	if rule.Remaining < 0 || b.DurationS < 0 {
		return Errorf(http.StatusBadRequest, CodeSchema, "remaining and duration_s must not be negative")
	}
	if b.DurationS > 0 {
		rule.Until = time.Now().Add(time.Duration(b.DurationS) * time.Second).Unix()
	}
	if rule.TSSID != "" {
		if rule.TSSID, err = pathUUID(r, "tss_id", rule.TSSID); err != nil {
			return err
		}
		v, err := a.tss.Get(c, rule.TSSID)
		if err != nil {
			return err
		}
		rule.OrganizationID = v.OrganizationID
	} else if rule.OrganizationID == "" {
		rule.OrganizationID = c.ActingOrg
	}
	// The rule's organization, which may be another than the acting one,
	// must be one the caller administers.
	if !a.visibleOrg(r, org.RoleAdmin)(rule.OrganizationID) {
		if a.visibleOrg(r, org.RoleMember)(rule.OrganizationID) {
			return org.ErrForbidden
		}
		return org.ErrNotFound
	}
	writeJSON(w, http.StatusOK, a.tss.Faults.Add(rule))
	return nil
}

// visibleOrg reports whether the request's principal may see org id
// (with min: hold at least that role there).
func (a *handlers) visibleOrg(r *http.Request, min org.Role) func(string) bool {
	v := principal(r).Viewer
	return func(id string) bool {
		_, role, err := a.orgs.Get(v, id)
		return err == nil && role.AtLeast(min)
	}
}

// failureList is the list of failure rules the caller sees.
type failureList struct {
	Type  string     `json:"_type"`
	Count int        `json:"count"`
	Data  []tss.Rule `json:"data" nullable:"false"`
}

func (a *handlers) listFailures(w http.ResponseWriter, r *http.Request) error {
	rules := a.tss.Faults.List(a.visibleOrg(r, org.RoleMember))
	writeJSON(w, http.StatusOK, failureList{Type: "FAILURE_RULE_LIST", Count: len(rules), Data: rules})
	return nil
}

func (a *handlers) deleteFailure(w http.ResponseWriter, r *http.Request) error {
	// A rule of an organization the caller only reads is as absent as one
	// it cannot see: members may not lift failure rules.
	if !a.tss.Faults.Delete(chi.URLParam(r, "rule_id"), a.visibleOrg(r, org.RoleAdmin)) {
		return &Error{Status: http.StatusNotFound, Code: "E_FAILURE_RULE_NOT_FOUND", Message: "Failure rule not found."}
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}
