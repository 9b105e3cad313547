// Package audit records who changed what in an organization. Entries are
// written in the same transaction as the change they describe, so the log
// never claims a change that did not happen nor misses one that did.
package audit

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Actor is who made a change.
type Actor struct {
	Type           string `json:"type"` // "api_key", "user" or "system"
	ID             string `json:"id,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"` // the actor's own org
}

// System is the actor of changes fiskaldesk makes by itself (bootstrap).
var System = Actor{Type: "system"}

// Entry is one audited change.
type Entry struct {
	V          int      `json:"v"`
	ID         string   `json:"_id"`
	Type       string   `json:"_type"`
	At         int64    `json:"at"` // unix seconds
	Org        string   `json:"organization_id"`
	Actor      Actor    `json:"actor"`
	Action     string   `json:"action"` // e.g. "organization.update"
	TargetType string   `json:"target_type"`
	TargetID   string   `json:"target_id"`
	Fields     []string `json:"fields,omitempty"` // names of changed fields, never their values
}

// Record appends an entry for org inside txn.
func Record(txn store.Tx, org string, actor Actor, action, targetType, targetID string, fields ...string) error {
	now := time.Now()
	e := Entry{V: 1, ID: uuid.NewString(), Type: "AUDIT_ENTRY", At: now.Unix(), Org: org, Actor: actor,
		Action: action, TargetType: targetType, TargetID: targetID, Fields: fields}
	return store.PutJSON(txn, store.AuditKey(org, uint64(now.UnixNano()), e.ID), e)
}

// List returns org's entries, newest first, at most limit after offset,
// and the total count.
func List(txn store.Tx, org string, limit, offset int) ([]Entry, int, error) {
	var all []Entry
	err := store.ScanJSON(txn, store.AuditPrefix(org), func(e Entry) error {
		all = append(all, e)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(all)
	// paging.Page clamps a negative limit or offset instead of panicking
	// (make with a negative capacity, an index past the end).
	// Never nil: an empty page is [] in JSON.
	return append([]Entry{}, paging.Page(all, limit, offset)...), len(all), nil
}
