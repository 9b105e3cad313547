package org

import (
	"errors"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Role of a user in an organization. API keys act with RoleAdmin.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// AtLeast reports whether r grants what min grants.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() }

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool { return r.rank() > 0 }

// Viewer is who asks: the organizations it acts from, each with a role
// (an API key: its own org as admin; a user: its memberships), the env of
// its token ("" for dashboard users) and the actor recorded in audits.
type Viewer struct {
	Roots map[string]Role
	Env   string
	Actor audit.Actor
	// KeyOrgType is the _type of an API key's org; "" for users.
	KeyOrgType string
	// InstallAdmin: a user holding the installation role (install.go).
	InstallAdmin bool
}

// The administration rule (docs/management-api.md › Who administers what):
// a root R administers organization T when
//
//	T is R,
//	T is managed by R,
//	T was created with R's key and not handed over (T.AdministeredBy == R), or
//	T is managed by an organization that R administers in the previous way.
//
// It is one level deep by construction: managed organizations never manage.
func administers(txn store.Tx, root string, t *Organization) (bool, error) {
	if t.ID == root || t.ManagedBy == root || t.AdministeredBy == root {
		return true, nil
	}
	if t.ManagedBy == "" {
		return false, nil
	}
	parent, err := getOrg(txn, t.ManagedBy)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return parent.AdministeredBy == root, nil
}

// roleOn returns the strongest role v has on t, or "" when t is not
// visible to v.
func roleOn(txn store.Tx, v Viewer, t *Organization) (Role, error) {
	var best Role
	for root, role := range v.Roots {
		ok, err := administers(txn, root, t)
		if err != nil {
			return "", err
		}
		if ok && role.rank() > best.rank() {
			best = role
		}
	}
	return best, nil
}

// visibleIDs returns every organization id v may see, each once.
func visibleIDs(txn store.Tx, v Viewer) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	children := func(parent string) error {
		ids, err := store.IDs(txn, store.OrgChildPrefix(parent))
		for _, id := range ids {
			add(id)
		}
		return err
	}
	for root := range v.Roots {
		if ok, err := store.Exists(txn, store.OrgKey(root)); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		add(root)
		if err := children(root); err != nil {
			return nil, err
		}
		administered, err := store.IDs(txn, store.OrgAdminPrefix(root))
		if err != nil {
			return nil, err
		}
		for _, a := range administered {
			add(a)
			if err := children(a); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ActFor returns v's role on organization id for acting in env ("" for
// no env): ErrNotFound when v cannot see it, ErrEnvNotEnabled when env is
// LIVE and neither the organization nor its managing organization is live
// (a live reseller's managed organizations work in LIVE without going live
// themselves, as for keys).
func (s *Service) ActFor(v Viewer, id, env string) (Role, error) {
	var role Role
	err := s.st.View(func(txn store.Tx) error {
		o, r, err := s.GetTx(txn, v, id)
		if err != nil {
			return err
		}
		role = r
		if env == EnvLive {
			ok, err := liveAllowed(txn, o)
			if err != nil {
				return err
			}
			if !ok {
				return ErrEnvNotEnabled
			}
		}
		return nil
	})
	return role, err
}

// liveAllowed: o is live, or managed by a live organization.
func liveAllowed(txn store.Tx, o *Organization) (bool, error) {
	if o.HasEnv(EnvLive) || o.ManagedBy == "" {
		return o.HasEnv(EnvLive), nil
	}
	p, err := getOrg(txn, o.ManagedBy)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil && p.HasEnv(EnvLive), err
}

// WritesSomewhere reports whether v may write in at least one
// organization: an API key (admin of its own), or a user who is admin or
// owner of one of its organizations. Routes without a single organization
// ask this first; the service then checks the object's organization.
func (v Viewer) WritesSomewhere() bool {
	for _, r := range v.Roots {
		if r.AtLeast(RoleAdmin) {
			return true
		}
	}
	return false
}
