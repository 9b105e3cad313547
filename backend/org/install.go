package org

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// The installation role (docs/security.md) is separate from organization
// roles: it holds the powers that span tenants — backup, restore, sync,
// the price list and invoices, new main organizations from the dashboard.
// The user who completes first-start setup gets it, and an installation
// administrator may grant it to, or revoke it from, any other user. No
// organization role, API key or synced record grants it: its keys are
// local to this instance (store.ClassOf).

// installAdmin is the stored grant of the installation role.
type installAdmin struct {
	V int `json:"v"`
	// GrantedBy is the granting user's id, or "setup" / "migration".
	GrantedBy string `json:"granted_by"`
	GrantedAt int64  `json:"granted_at"`
}

// ErrLastInstallAdmin refuses to revoke the installation's last administrator.
var ErrLastInstallAdmin = errors.New("the installation needs at least one administrator")

// InstallUser is one row of the installation's user list.
type InstallUser struct {
	User
	InstallationAdmin bool `json:"installation_admin"`
	// Organizations counts the user's memberships (the names are tenant data).
	Organizations int `json:"organizations"`
}

// IsInstallAdmin reports whether user id holds the installation role.
func (s *Service) IsInstallAdmin(id string) (bool, error) {
	var ok bool
	err := s.st.View(func(txn store.Tx) (err error) {
		ok, err = store.Exists(txn, store.InstallAdminKey(id))
		return err
	})
	return ok, err
}

func hasInstallAdmin(txn store.Tx) (bool, error) {
	found := false
	err := store.ScanKeys(txn, store.InstallAdminPrefix(), func([]byte) error { found = true; return errStop })
	if errors.Is(err, errStop) {
		err = nil
	}
	return found, err
}

func (s *Service) grantInstall(txn store.Tx, userID, by string) error {
	return store.PutJSON(txn, store.InstallAdminKey(userID), installAdmin{V: 1, GrantedBy: by, GrantedAt: s.now().Unix()})
}

// InstallUsers lists every user of the installation with its role, by e-mail.
func (s *Service) InstallUsers() ([]InstallUser, error) {
	var out []InstallUser
	err := s.st.View(func(txn store.Tx) error {
		return store.ScanJSON(txn, store.UserPrefix(), func(r userRecord) error {
			admin, err := store.Exists(txn, store.InstallAdminKey(r.ID))
			if err != nil {
				return err
			}
			orgs, err := store.IDs(txn, store.UserOrgPrefix(r.ID))
			if err != nil {
				return err
			}
			out = append(out, InstallUser{User: r.User, InstallationAdmin: admin, Organizations: len(orgs)})
			return nil
		})
	})
	slices.SortFunc(out, func(a, b InstallUser) int { return strings.Compare(a.Email, b.Email) })
	return out, err
}

// SetInstallAdmin grants (on) or revokes the installation role of user
// id; by is the acting installation administrator. The last
// administrator cannot be revoked, so the installation never loses its
// way to backups and sync.
func (s *Service) SetInstallAdmin(ctx context.Context, by, id string, on bool) error {
	return s.st.Update(ctx, func(txn store.Tx) error {
		if ok, err := store.Exists(txn, store.UserKey(id)); err != nil {
			return err
		} else if !ok {
			return ErrUserNotFound
		}
		has, err := store.Exists(txn, store.InstallAdminKey(id))
		if err != nil || has == on {
			return err
		}
		if on {
			return s.grantInstall(txn, id, by)
		}
		n := 0
		if err := store.ScanKeys(txn, store.InstallAdminPrefix(), func([]byte) error { n++; return nil }); err != nil {
			return err
		}
		if n <= 1 {
			return ErrLastInstallAdmin
		}
		return txn.Delete(store.InstallAdminKey(id))
	})
}
