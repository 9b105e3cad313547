package org

import (
	"cmp"
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// User is a dashboard user, as the API shows it.
type User struct {
	ID        string `json:"_id"`
	Type      string `json:"_type"`
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	CreatedAt int64  `json:"created_at"`
}

type userRecord struct {
	V int `json:"v"`
	User
	PasswordHash string `json:"password_hash"` // argon2id PHC
	// PasswordVersion grows with every password change; sessions carry it,
	// so a change ends every other session.
	PasswordVersion int `json:"password_version"`
}

type membership struct {
	V         int   `json:"v"`
	Role      Role  `json:"role"`
	CreatedAt int64 `json:"created_at"`
}

// Invitation is an open invitation of an e-mail address into an org.
type Invitation struct {
	V         int    `json:"v"`
	ID        string `json:"_id"`
	OrgID     string `json:"organization_id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Role      Role   `json:"role"`
	InvitedBy string `json:"invited_by"`
	CreatedAt int64  `json:"created_at"`
	ExpiresAt int64  `json:"expires_at"`
}

// Member is one row of an org's user list: a user or an open invitation.
type Member struct {
	ID        string `json:"_id"`
	Type      string `json:"_type" enum:"USER,INVITATION"`
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Role      Role   `json:"role"`
	Status    string `json:"status" enum:"active,invited"`
}

// InvitationTTL is how long an invitation link stays valid.
const InvitationTTL = 7 * 24 * time.Hour

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

var (
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrUserNotFound       = errors.New("user not found")
	ErrSetupDone          = errors.New("fiskaldesk is already set up")
	ErrInvitationNotFound = errors.New("invitation not found or expired")
	ErrLastOwner          = errors.New("an organization needs at least one owner")
	ErrAlreadyMember      = errors.New("user is already a member")
)

func normEmail(field, e string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(e))
	if err != nil || a.Address != strings.TrimSpace(e) {
		return "", invalid(field, "%q is not an e-mail address", e)
	}
	return strings.ToLower(a.Address), nil
}

func checkPassword(field, pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > 1024 {
		return invalid(field, "must have at least %d characters", MinPasswordLen)
	}
	return nil
}

// NeedsSetup reports whether the installation has no administrator yet:
// a first start, or a store that holds only users synced from elsewhere
// (syncing never grants the installation role).
func (s *Service) NeedsSetup() (bool, error) {
	var has bool
	err := s.st.View(func(txn store.Tx) (err error) {
		has, err = hasInstallAdmin(txn)
		return err
	})
	return !has, err
}

// NewUser is what setup and invitation acceptance need to create a user.
type NewUser struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

func (s *Service) createUser(txn store.Tx, nu NewUser) (*User, error) {
	email, err := normEmail("email", nu.Email)
	if err != nil {
		return nil, err
	}
	if err := checkPassword("password", nu.Password); err != nil {
		return nil, err
	}
	if ok, err := store.Exists(txn, store.UserEmailKey(email)); err != nil {
		return nil, err
	} else if ok {
		return nil, invalid("email", "a user with this e-mail address exists")
	}
	u := User{ID: uuid.NewString(), Type: "USER", Email: email, FirstName: nu.FirstName, LastName: nu.LastName, CreatedAt: s.now().Unix()}
	if err := store.PutJSON(txn, store.UserKey(u.ID), userRecord{V: 1, User: u, PasswordHash: secret.Hash(nu.Password), PasswordVersion: 1}); err != nil {
		return nil, err
	}
	return &u, txn.Set(store.UserEmailKey(email), []byte(u.ID))
}

func addMember(txn store.Tx, orgID, userID string, role Role, now int64) error {
	if err := store.PutJSON(txn, store.MemberKey(orgID, userID), membership{V: 1, Role: role, CreatedAt: now}); err != nil {
		return err
	}
	return txn.Set(store.UserOrgKey(userID, orgID), nil)
}

// Setup creates the first user and the first organization, with the user
// as its owner and as the installation's administrator. It fails with
// ErrSetupDone once the installation has an administrator.
func (s *Service) Setup(ctx context.Context, nu NewUser, in Input) (*User, *Organization, error) {
	var u *User
	var o *Organization
	err := s.st.Update(ctx, func(txn store.Tx) error {
		if done, err := hasInstallAdmin(txn); err != nil || done {
			return cmp.Or(err, ErrSetupDone)
		}
		var err error
		if u, err = s.createUser(txn, nu); err != nil {
			return err
		}
		in.ManagedBy = Field[string]{}
		if o, err = s.CreateTx(txn, Viewer{Actor: audit.Actor{Type: "user", ID: u.ID}, InstallAdmin: true}, in); err != nil {
			return err
		}
		return s.grantInstall(txn, u.ID, "setup")
	})
	return u, o, err
}

// Login checks e-mail and password and returns the user and its password
// version. Any mismatch is ErrInvalidCredentials, whichever part failed.
func (s *Service) Login(email, password string) (*User, int, error) {
	var rec userRecord
	err := s.st.View(func(txn store.Tx) error {
		id, err := txn.Get(store.UserEmailKey(strings.ToLower(strings.TrimSpace(email))))
		if err != nil {
			return err
		}
		rec, err = store.GetJSON[userRecord](txn, store.UserKey(string(id)))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check so timing does not tell
		// which e-mail addresses exist.
		_, _ = secret.Verify(dummyHash(), password)
		return nil, 0, ErrInvalidCredentials
	}
	if err != nil {
		return nil, 0, err
	}
	if ok, err := secret.Verify(rec.PasswordHash, password); err != nil || !ok {
		return nil, 0, ErrInvalidCredentials
	}
	return &rec.User, rec.PasswordVersion, nil
}

// dummyHash is checked when there is nothing to check against, so that an
// unknown name takes as long as a wrong secret. Made on first use, with the
// parameters new hashes get, not at package init (one argon2id run fewer at
// every start).
var dummyHash = sync.OnceValue(func() string { return secret.Hash("fiskaldesk-timing-equaliser") })

// User returns user id, its password version and its memberships.
func (s *Service) User(id string) (*User, int, map[string]Role, error) {
	var rec userRecord
	roles := map[string]Role{}
	err := s.st.View(func(txn store.Tx) error {
		var err error
		rec, err = store.GetJSON[userRecord](txn, store.UserKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrUserNotFound
		}
		if err != nil {
			return err
		}
		orgs, err := store.IDs(txn, store.UserOrgPrefix(id))
		if err != nil {
			return err
		}
		for _, o := range orgs {
			m, err := store.GetJSON[membership](txn, store.MemberKey(o, id))
			if err != nil {
				return err
			}
			roles[o] = m.Role
		}
		return nil
	})
	if err != nil {
		return nil, 0, nil, err
	}
	return &rec.User, rec.PasswordVersion, roles, nil
}

// ChangePassword replaces a user's password after checking the current one.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next string) error {
	if err := checkPassword("new_password", next); err != nil {
		return err
	}
	return s.st.Update(ctx, func(txn store.Tx) error {
		rec, err := store.GetJSON[userRecord](txn, store.UserKey(userID))
		if err != nil {
			return ErrUserNotFound
		}
		if ok, _ := secret.Verify(rec.PasswordHash, current); !ok {
			return ErrInvalidCredentials
		}
		rec.PasswordHash = secret.Hash(next)
		rec.PasswordVersion++
		return store.PutJSON(txn, store.UserKey(userID), rec)
	})
}

// Members lists an org's users and open invitations.
func (s *Service) Members(v Viewer, orgID string) ([]Member, error) {
	var out []Member
	err := s.st.View(func(txn store.Tx) error {
		if _, _, err := s.GetTx(txn, v, orgID); err != nil {
			return err
		}
		ids, err := store.IDs(txn, store.MemberPrefix(orgID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			u, err := store.GetJSON[userRecord](txn, store.UserKey(id))
			if err != nil {
				return err
			}
			m, err := store.GetJSON[membership](txn, store.MemberKey(orgID, id))
			if err != nil {
				return err
			}
			out = append(out, Member{ID: id, Type: "USER", Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Role: m.Role, Status: "active"})
		}
		invIDs, err := store.IDs(txn, store.OrgInvitePrefix(orgID))
		if err != nil {
			return err
		}
		for _, invID := range invIDs {
			h, err := txn.Get(store.OrgInviteKey(orgID, invID))
			if err != nil {
				return err
			}
			inv, err := store.GetJSON[Invitation](txn, store.InviteKey(string(h)))
			if err != nil {
				return err
			}
			out = append(out, Member{ID: inv.ID, Type: "INVITATION", Email: inv.Email, FirstName: inv.FirstName, LastName: inv.LastName, Role: inv.Role, Status: "invited"})
		}
		return nil
	})
	return out, err
}

// Invite creates an invitation into orgID and returns it with its token,
// which exists only in this return value (the store keeps its hash).
func (s *Service) Invite(ctx context.Context, v Viewer, orgID string, email, first, last string, role Role) (*Invitation, string, error) {
	email, err := normEmail("email", email)
	if err != nil {
		return nil, "", err
	}
	if role == "" {
		role = RoleMember
	}
	if !ValidRole(role) {
		return nil, "", invalid("role", "must be owner, admin or member")
	}
	token := secret.Token62(43)
	var inv *Invitation
	err = s.st.Update(ctx, func(txn store.Tx) error {
		o, myRole, err := s.GetTx(txn, v, orgID)
		if err != nil {
			return err
		}
		if !myRole.AtLeast(RoleAdmin) || (role == RoleOwner && !myRole.AtLeast(RoleOwner) && v.KeyOrgType == "") {
			return ErrForbidden
		}
		if uid, err := txn.Get(store.UserEmailKey(email)); err == nil {
			if ok, err := store.Exists(txn, store.MemberKey(o.ID, string(uid))); err != nil || ok {
				return cmp.Or(err, ErrAlreadyMember)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.now()
		inv = &Invitation{V: 1, ID: uuid.NewString(), OrgID: o.ID, Email: email, FirstName: first, LastName: last, Role: role,
			InvitedBy: v.Actor.ID, CreatedAt: now.Unix(), ExpiresAt: now.Add(InvitationTTL).Unix()}
		h := secret.TokenHash(token)
		if err := store.PutJSON(txn, store.InviteKey(h), inv); err != nil {
			return err
		}
		if err := txn.Set(store.OrgInviteKey(o.ID, inv.ID), []byte(h)); err != nil {
			return err
		}
		return audit.Record(txn, o.ID, v.Actor, "user.invite", "invitation", inv.ID, "email", "role")
	})
	return inv, token, err
}

// InvitationInfo is what the accept page shows before accepting.
type InvitationInfo struct {
	Email            string `json:"email"`
	OrganizationName string `json:"organization_name"`
	Role             Role   `json:"role"`
	UserExists       bool   `json:"user_exists"`
	ExpiresAt        int64  `json:"expires_at"`
}

func (s *Service) openInvitation(txn store.Tx, token string) (*Invitation, *Organization, error) {
	inv, err := store.GetJSON[Invitation](txn, store.InviteKey(secret.TokenHash(token)))
	if errors.Is(err, store.ErrNotFound) || (err == nil && inv.ExpiresAt < s.now().Unix()) {
		return nil, nil, ErrInvitationNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	o, err := getOrg(txn, inv.OrgID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrInvitationNotFound
	}
	return &inv, o, err
}

// Invitation describes the invitation behind token.
func (s *Service) Invitation(token string) (*InvitationInfo, error) {
	var info *InvitationInfo
	err := s.st.View(func(txn store.Tx) error {
		inv, o, err := s.openInvitation(txn, token)
		if err != nil {
			return err
		}
		exists, err := store.Exists(txn, store.UserEmailKey(inv.Email))
		info = &InvitationInfo{Email: inv.Email, OrganizationName: o.Name, Role: inv.Role, UserExists: exists, ExpiresAt: inv.ExpiresAt}
		return err
	})
	return info, err
}

// AcceptInvitation makes the invited address a member. A new address
// becomes a user with the given password and names; an existing user
// proves itself with its current password.
func (s *Service) AcceptInvitation(ctx context.Context, token string, nu NewUser) (*User, error) {
	var u *User
	err := s.st.Update(ctx, func(txn store.Tx) error {
		inv, o, err := s.openInvitation(txn, token)
		if err != nil {
			return err
		}
		if uid, err := txn.Get(store.UserEmailKey(inv.Email)); err == nil {
			rec, err := store.GetJSON[userRecord](txn, store.UserKey(string(uid)))
			if err != nil {
				return err
			}
			if ok, _ := secret.Verify(rec.PasswordHash, nu.Password); !ok {
				return ErrInvalidCredentials
			}
			// Invitations of one address do not exclude each other; a
			// second one must not overwrite the role the first gave (an
			// owner accepting an older member invitation would leave the
			// organization without an owner). Roles change through SetRole.
			if ok, err := store.Exists(txn, store.MemberKey(o.ID, rec.ID)); err != nil || ok {
				return cmp.Or(err, ErrAlreadyMember)
			}
			u = &rec.User
		} else {
			nu.Email = inv.Email
			if nu.FirstName == "" {
				nu.FirstName, nu.LastName = inv.FirstName, inv.LastName
			}
			if u, err = s.createUser(txn, nu); err != nil {
				return err
			}
		}
		if err := addMember(txn, o.ID, u.ID, inv.Role, s.now().Unix()); err != nil {
			return err
		}
		if err := txn.Delete(store.InviteKey(secret.TokenHash(token))); err != nil {
			return err
		}
		if err := txn.Delete(store.OrgInviteKey(o.ID, inv.ID)); err != nil {
			return err
		}
		return audit.Record(txn, o.ID, audit.Actor{Type: "user", ID: u.ID}, "user.join", "user", u.ID, "role")
	})
	return u, err
}

// owners counts the owners of orgID.
func owners(txn store.Tx, orgID string) (int, error) {
	n := 0
	err := store.ScanJSON(txn, store.MemberPrefix(orgID), func(m membership) error {
		if m.Role == RoleOwner {
			n++
		}
		return nil
	})
	return n, err
}

// RemoveMember removes a user's membership or an open invitation (by its
// id) from orgID. The last owner cannot be removed, and only owners
// remove owners.
func (s *Service) RemoveMember(ctx context.Context, v Viewer, orgID, id string) error {
	return s.st.Update(ctx, func(txn store.Tx) error {
		_, myRole, err := s.GetTx(txn, v, orgID)
		if err != nil {
			return err
		}
		if !myRole.AtLeast(RoleAdmin) {
			return ErrForbidden
		}
		if h, err := txn.Get(store.OrgInviteKey(orgID, id)); err == nil {
			if err := txn.Delete(store.InviteKey(string(h))); err != nil {
				return err
			}
			if err := txn.Delete(store.OrgInviteKey(orgID, id)); err != nil {
				return err
			}
			return audit.Record(txn, orgID, v.Actor, "user.uninvite", "invitation", id)
		}
		m, err := store.GetJSON[membership](txn, store.MemberKey(orgID, id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrUserNotFound
		}
		if err != nil {
			return err
		}
		if m.Role == RoleOwner {
			if !myRole.AtLeast(RoleOwner) && v.KeyOrgType == "" {
				return ErrForbidden
			}
			if n, err := owners(txn, orgID); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastOwner
			}
		}
		if err := txn.Delete(store.MemberKey(orgID, id)); err != nil {
			return err
		}
		if err := txn.Delete(store.UserOrgKey(id, orgID)); err != nil {
			return err
		}
		return audit.Record(txn, orgID, v.Actor, "user.remove", "user", id)
	})
}

// SetRole changes a member's role. Only owners change roles, and the last
// owner stays owner.
func (s *Service) SetRole(ctx context.Context, v Viewer, orgID, userID string, role Role) error {
	if !ValidRole(role) {
		return invalid("role", "must be owner, admin or member")
	}
	return s.st.Update(ctx, func(txn store.Tx) error {
		_, myRole, err := s.GetTx(txn, v, orgID)
		if err != nil {
			return err
		}
		if !myRole.AtLeast(RoleOwner) {
			return ErrForbidden
		}
		m, err := store.GetJSON[membership](txn, store.MemberKey(orgID, userID))
		if errors.Is(err, store.ErrNotFound) {
			return ErrUserNotFound
		}
		if err != nil {
			return err
		}
		if m.Role == RoleOwner && role != RoleOwner {
			if n, err := owners(txn, orgID); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastOwner
			}
		}
		m.Role = role
		if err := store.PutJSON(txn, store.MemberKey(orgID, userID), m); err != nil {
			return err
		}
		return audit.Record(txn, orgID, v.Actor, "user.role", "user", userID, "role")
	})
}
