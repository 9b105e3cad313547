package tss

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Rule is a sandbox failure rule (extension, docs/sign-de.md › Failure
// injection): for signing calls on a TSS or any TSS of an org, answer an
// error, add latency, or act as a defective TSS.
type Rule struct {
	ID             string `json:"_id"`
	OrganizationID string `json:"organization_id,omitempty"`
	TSSID          string `json:"tss_id,omitempty"`
	// Kind is "error" (Status/Code/Message), "latency" (LatencyMS) or
	// "defective" (423 E_TSS_DEFECTIVE).
	Kind      string `json:"kind" enum:"error,latency,defective"`
	Status    int    `json:"status,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	LatencyMS int    `json:"latency_ms,omitempty"`
	// Remaining counts the calls the rule still applies to; 0 = every call
	// until deleted or until Until.
	Remaining int   `json:"remaining,omitempty"`
	Until     int64 `json:"until,omitempty"`
}

// Fault is the error a rule produces.
type Fault struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int
}

func (f *Fault) Error() string { return f.Message }

// Faults holds the rules, in memory: a restart clears them.
type Faults struct {
	mu    sync.Mutex
	rules []*Rule
	now   func() time.Time
}

// NewFaults returns an empty rule set.
func NewFaults() *Faults { return &Faults{now: time.Now} }

// Add stores a rule and returns it with its id.
func (f *Faults) Add(r Rule) Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.ID = uuid.NewString()
	f.rules = append(f.rules, &r)
	return r
}

// List returns the rules whose org is one of orgs.
func (f *Faults) List(visible func(orgID string) bool) []Rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []Rule{}
	for _, r := range f.rules {
		if visible(r.OrganizationID) {
			out = append(out, *r)
		}
	}
	return out
}

// Delete removes rule id if visible says its org may be seen.
func (f *Faults) Delete(id string, visible func(orgID string) bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.ID == id && visible(r.OrganizationID) {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return true
		}
	}
	return false
}

// apply runs the first rule matching the TSS: it sleeps for latency
// rules and returns the fault of error rules, counting down Remaining.
func (f *Faults) apply(ctx context.Context, orgID, tssID string) error {
	f.mu.Lock()
	now := f.now().Unix()
	var hit *Rule
	for i := 0; i < len(f.rules); i++ {
		r := f.rules[i]
		if r.Until != 0 && now >= r.Until {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			i--
			continue
		}
		if (r.TSSID != "" && r.TSSID == tssID) || (r.TSSID == "" && r.OrganizationID == orgID) {
			hit = r
			break
		}
	}
	var rule Rule
	if hit != nil {
		rule = *hit
		if hit.Remaining > 0 {
			hit.Remaining--
			if hit.Remaining == 0 {
				f.remove(hit)
			}
		}
	}
	f.mu.Unlock()
	if hit == nil {
		return nil
	}
	switch rule.Kind {
	case "latency":
		select {
		case <-time.After(time.Duration(rule.LatencyMS) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	case "defective":
		return &Fault{Status: 423, Code: "E_TSS_DEFECTIVE", Message: "TSS is defective (sandbox failure rule)"}
	}
	retry := 0
	if rule.Until != 0 {
		retry = int(rule.Until - now)
	}
	return &Fault{Status: rule.Status, Code: rule.Code, Message: rule.Message, RetryAfter: retry}
}

func (f *Faults) remove(r *Rule) {
	for i, x := range f.rules {
		if x == r {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return
		}
	}
}
