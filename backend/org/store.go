package org

import (
	"errors"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// getOrg loads one organization. Returns ErrNotFound.
func getOrg(txn store.Tx, id string) (*Organization, error) {
	r, err := store.GetJSON[orgRecord](txn, store.OrgKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &r.Organization, nil
}

// putOrg writes o and keeps its indexes in step with old (nil on create).
func putOrg(txn store.Tx, old, o *Organization) error {
	if old != nil && old.ManagedBy != o.ManagedBy && old.ManagedBy != "" {
		if err := txn.Delete(store.OrgChildKey(old.ManagedBy, o.ID)); err != nil {
			return err
		}
	}
	if old != nil && old.AdministeredBy != o.AdministeredBy && old.AdministeredBy != "" {
		if err := txn.Delete(store.OrgAdminKey(old.AdministeredBy, o.ID)); err != nil {
			return err
		}
	}
	if o.ManagedBy != "" {
		if err := txn.Set(store.OrgChildKey(o.ManagedBy, o.ID), nil); err != nil {
			return err
		}
	}
	if o.AdministeredBy != "" {
		if err := txn.Set(store.OrgAdminKey(o.AdministeredBy, o.ID), nil); err != nil {
			return err
		}
	}
	return store.PutJSON(txn, store.OrgKey(o.ID), orgRecord{V: 1, Organization: *o})
}

// hasChildren reports whether id manages any organization.
func hasChildren(txn store.Tx, id string) (bool, error) {
	found := false
	err := store.ScanKeys(txn, store.OrgChildPrefix(id), func([]byte) error {
		found = true
		return errStop
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return found, err
}

var errStop = errors.New("stop")

// deleteOrg removes o, its indexes, logo, memberships and invitations.
// API keys are removed by the auth package in the same transaction.
func deleteOrg(txn store.Tx, o *Organization) error {
	if o.ManagedBy != "" {
		if err := txn.Delete(store.OrgChildKey(o.ManagedBy, o.ID)); err != nil {
			return err
		}
	}
	if o.AdministeredBy != "" {
		if err := txn.Delete(store.OrgAdminKey(o.AdministeredBy, o.ID)); err != nil {
			return err
		}
	}
	// Organizations it administered are on their own from now on.
	administered, err := store.IDs(txn, store.OrgAdminPrefix(o.ID))
	if err != nil {
		return err
	}
	for _, id := range administered {
		a, err := getOrg(txn, id)
		if err != nil {
			return err
		}
		old := *a
		a.AdministeredBy = ""
		if err := putOrg(txn, &old, a); err != nil {
			return err
		}
	}
	members, err := store.IDs(txn, store.MemberPrefix(o.ID))
	if err != nil {
		return err
	}
	for _, u := range members {
		if err := txn.Delete(store.UserOrgKey(u, o.ID)); err != nil {
			return err
		}
	}
	var inviteHashes []string
	if err := store.ScanKeys(txn, store.OrgInvitePrefix(o.ID), func(k []byte) error {
		h, err := txn.Get(k)
		inviteHashes = append(inviteHashes, string(h))
		return err
	}); err != nil {
		return err
	}
	for _, h := range inviteHashes {
		if err := txn.Delete(store.InviteKey(h)); err != nil {
			return err
		}
	}
	for _, p := range [][]byte{store.MemberPrefix(o.ID), store.OrgInvitePrefix(o.ID)} {
		if err := store.DeletePrefix(txn, p); err != nil {
			return err
		}
	}
	if err := txn.Delete(store.OrgLogoKey(o.ID)); err != nil {
		return err
	}
	return txn.Delete(store.OrgKey(o.ID))
}
