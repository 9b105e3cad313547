package org

import (
	"fmt"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// CheckSummary is what CheckStore looked at.
type CheckSummary struct {
	Organizations, Users, InstallAdmins int
}

// CheckStore verifies the indexes of organizations and users (fiskaldesk
// doctor): every managed organization under its parent and every
// administered one under its administrator, and back; every user under
// its e-mail address and back; every membership in both directions; every
// installation administrator an existing user. Each disagreement is
// passed to problem; err is only for failed reads.
func CheckStore(tx store.Tx, problem func(string)) (CheckSummary, error) {
	var sum CheckSummary
	p := func(format string, a ...any) { problem(fmt.Sprintf(format, a...)) }
	exists := func(k []byte) bool { ok, _ := store.Exists(tx, k); return ok }
	err := store.ScanJSON(tx, store.OrgPrefix(), func(r orgRecord) error {
		o := r.Organization
		sum.Organizations++
		if o.ManagedBy != "" {
			if !exists(store.OrgKey(o.ManagedBy)) {
				p("organization %s is managed by %s, which does not exist", o.ID, o.ManagedBy)
			}
			if !exists(store.OrgChildKey(o.ManagedBy, o.ID)) {
				p("organization %s is missing from the index of its managing organization %s", o.ID, o.ManagedBy)
			}
		}
		if o.AdministeredBy != "" && !exists(store.OrgAdminKey(o.AdministeredBy, o.ID)) {
			p("organization %s is missing from the index of its administrator %s", o.ID, o.AdministeredBy)
		}
		return store.ScanKeys(tx, store.OrgChildPrefix(o.ID), func(k []byte) error {
			child, err := getOrg(tx, store.LastSegment(k))
			if err != nil || child.ManagedBy != o.ID {
				p("the index of %s lists %s, which it does not manage", o.ID, store.LastSegment(k))
			}
			return nil
		})
	})
	if err != nil {
		return sum, err
	}
	err = store.ScanJSON(tx, store.UserPrefix(), func(u userRecord) error {
		sum.Users++
		if id, err := tx.Get(store.UserEmailKey(u.Email)); err != nil || string(id) != u.ID {
			p("user %s is not found under its e-mail address", u.ID)
		}
		orgs, err := store.IDs(tx, store.UserOrgPrefix(u.ID))
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if !exists(store.MemberKey(o, u.ID)) {
				p("user %s lists organization %s without a membership there", u.ID, o)
			}
		}
		return nil
	})
	if err != nil {
		return sum, err
	}
	err = store.ScanJSON(tx, store.OrgPrefix(), func(r orgRecord) error {
		ids, err := store.IDs(tx, store.MemberPrefix(r.ID))
		for _, u := range ids {
			if !exists(store.UserKey(u)) || !exists(store.UserOrgKey(u, r.ID)) {
				p("membership of %s in %s has no user or no reverse index", u, r.ID)
			}
		}
		return err
	})
	if err != nil {
		return sum, err
	}
	err = store.ScanKeys(tx, store.InstallAdminPrefix(), func(k []byte) error {
		sum.InstallAdmins++
		if !exists(store.UserKey(store.LastSegment(k))) {
			p("installation administrator %s is not a user", store.LastSegment(k))
		}
		return nil
	})
	return sum, err
}
