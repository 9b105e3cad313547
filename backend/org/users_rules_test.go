package org

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Users beyond the happy path: address and password rules, invitations
// that expire, are refused or meet an existing user, and the
// installation role.

func TestEmailAndPasswordRules(t *testing.T) {
	cases := []struct {
		email, password string
		field           string // "" = accepted
	}{
		{"kim@example.com", "zehn-zeich", ""},        // exactly MinPasswordLen
		{"kim@example.com", "ääääääääää", ""},        // runes, not bytes
		{"kim@example.com", "neun-zchn", "password"}, // one short
		{"kim@example.com", strings.Repeat("p", 1025), "password"},
		{"Kim <kim@example.com>", "lang-genug-123", "email"}, // a display name is not an address
		{"kim@", "lang-genug-123", "email"},
		{"", "lang-genug-123", "email"},
	}
	for _, c := range cases {
		e := newOrgEnv(t)
		_, _, err := e.s.Setup(e.ctx, NewUser{Email: c.email, Password: c.password}, input("Firma"))
		var ve *ValidationError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%q/%q: %v", c.email, c.password, err)
		case c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field):
			t.Errorf("%q/%q: %v, want an error on %s", c.email, c.password, err, c.field)
		}
		if c.field != "" && e.storedOrgs() != 0 {
			t.Errorf("%q: a refused setup left an organization", c.email)
		}
	}
}

// inviteEnv is an installation after setup: owner and its org.
type inviteEnv struct {
	*orgEnv
	owner *User
	org   *Organization
	ov    Viewer
}

func newInviteEnv(t *testing.T) *inviteEnv {
	e := newOrgEnv(t)
	u, o, err := e.s.Setup(e.ctx, NewUser{Email: "chef@example.com", Password: "lang-genug-123"}, input("Firma"))
	if err != nil {
		t.Fatal(err)
	}
	return &inviteEnv{orgEnv: e, owner: u, org: o, ov: userViewer(e, u.ID)}
}

func (e *inviteEnv) invite(email string, role Role) string {
	e.t.Helper()
	_, tok, err := e.s.Invite(e.ctx, e.ov, e.org.ID, email, "", "", role)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestInvitationRefusals(t *testing.T) {
	e := newInviteEnv(t)
	var ve *ValidationError
	if _, _, err := e.s.Invite(e.ctx, e.ov, e.org.ID, "no-address", "", "", RoleMember); !errors.As(err, &ve) || ve.Field != "email" {
		t.Fatalf("bad address: %v", err)
	}
	if _, _, err := e.s.Invite(e.ctx, e.ov, e.org.ID, "x@example.com", "", "", Role("root")); !errors.As(err, &ve) || ve.Field != "role" {
		t.Fatalf("unknown role: %v", err)
	}
	if _, _, err := e.s.Invite(e.ctx, Viewer{Roots: map[string]Role{e.org.ID: RoleMember}}, e.org.ID, "x@example.com", "", "", RoleMember); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member inviting: %v", err)
	}
	if _, _, err := e.s.Invite(e.ctx, system(), e.org.ID, "x@example.com", "", "", RoleMember); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a stranger inviting: %v", err)
	}
	// An API key (admin of its org) may invite owners; a user admin may not.
	inv, _, err := e.s.Invite(e.ctx, keyViewer(e.org, EnvTest), e.org.ID, "owner2@example.com", "", "", RoleOwner)
	if err != nil || inv.Role != RoleOwner {
		t.Fatalf("a key inviting an owner: %+v %v", inv, err)
	}
	// The default role is member, the link lives for InvitationTTL.
	now := time.Unix(1_800_000_000, 0)
	e.s.now = func() time.Time { return now }
	inv, tok, err := e.s.Invite(e.ctx, e.ov, e.org.ID, "kim@example.com", "Kim", "K", "")
	if err != nil || inv.Role != RoleMember || inv.ExpiresAt != now.Add(InvitationTTL).Unix() {
		t.Fatalf("%+v %v", inv, err)
	}
	// The store keeps the token's hash only.
	_ = e.st.View(func(tx store.Tx) error {
		return store.ScanKeys(tx, []byte("invite/"), func(k []byte) error {
			if strings.Contains(string(k), tok) {
				t.Errorf("token in clear in key %q", k)
			}
			return nil
		})
	})
	info, err := e.s.Invitation(tok)
	if err != nil || info.Email != "kim@example.com" || info.OrganizationName != "Firma" || info.UserExists || info.Role != RoleMember {
		t.Fatalf("info %+v %v", info, err)
	}
	// Still valid at the last second, gone one second later.
	now = now.Add(InvitationTTL)
	if _, err := e.s.Invitation(tok); err != nil {
		t.Fatalf("at expiry: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := e.s.Invitation(tok); !errors.Is(err, ErrInvitationNotFound) {
		t.Fatalf("after expiry: %v", err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tok, NewUser{Password: "kim-passwort-1"}); !errors.Is(err, ErrInvitationNotFound) {
		t.Fatalf("accepting an expired invitation: %v", err)
	}
}

func TestAcceptingAsAnExistingUser(t *testing.T) {
	e := newInviteEnv(t)
	second := e.mustCreate(Viewer{Roots: e.ov.Roots, Actor: e.ov.Actor, InstallAdmin: true}, input("Zweite"))
	// kim joins the first org as a new user ...
	kim, err := e.s.AcceptInvitation(e.ctx, e.invite("kim@example.com", RoleAdmin), NewUser{Password: "kim-passwort-1", FirstName: "Kim"})
	if err != nil || kim.FirstName != "Kim" {
		t.Fatalf("%+v %v", kim, err)
	}
	// ... and is invited into the second as an existing one.
	_, tok, err := e.s.Invite(e.ctx, userViewer(e.orgEnv, e.owner.ID), second.ID, "KIM@example.com", "", "", RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := e.s.Invitation(tok); err != nil || !info.UserExists {
		t.Fatalf("info %+v %v", info, err)
	}
	// The wrong password proves nothing and leaves the invitation open.
	if _, err := e.s.AcceptInvitation(e.ctx, tok, NewUser{Password: "falsch-falsch"}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	same, err := e.s.AcceptInvitation(e.ctx, tok, NewUser{Password: "kim-passwort-1", FirstName: "Ignored"})
	if err != nil || same.ID != kim.ID || same.FirstName != "Kim" {
		t.Fatalf("existing user: %+v %v", same, err)
	}
	roles := userViewer(e.orgEnv, kim.ID).Roots
	if len(roles) != 2 || roles[e.org.ID] != RoleAdmin || roles[second.ID] != RoleMember {
		t.Fatalf("roles %v", roles)
	}
	members, err := e.s.Members(userViewer(e.orgEnv, e.owner.ID), second.ID)
	if err != nil || len(members) != 2 || !slices.ContainsFunc(members, func(m Member) bool { return m.ID == kim.ID && m.Status == "active" }) {
		t.Fatalf("members %+v %v", members, err)
	}
	e.checkClean()
}

// TestAnOlderInvitationCannotDemote: two invitations of one address
// (invitations do not exclude each other) must not let the second
// overwrite the role the first gave — that would take away an org's last
// owner.
func TestAnOlderInvitationCannotDemote(t *testing.T) {
	e := newInviteEnv(t)
	asMember := e.invite("kim@example.com", RoleMember)
	asOwner := e.invite("kim@example.com", RoleOwner)
	kim, err := e.s.AcceptInvitation(e.ctx, asOwner, NewUser{Password: "kim-passwort-1"})
	if err != nil {
		t.Fatal(err)
	}
	// The first owner leaves; kim is the last owner.
	if err := e.s.RemoveMember(e.ctx, userViewer(e.orgEnv, kim.ID), e.org.ID, e.owner.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, asMember, NewUser{Password: "kim-passwort-1"}); !errors.Is(err, ErrAlreadyMember) {
		t.Fatalf("accepting a second invitation as a member: %v", err)
	}
	if role := userViewer(e.orgEnv, kim.ID).Roots[e.org.ID]; role != RoleOwner {
		t.Fatalf("kim's role is now %q: the organization has no owner", role)
	}
	var n int
	_ = e.st.View(func(tx store.Tx) (err error) { n, err = owners(tx, e.org.ID); return err })
	if n != 1 {
		t.Fatalf("%d owners", n)
	}
}

func TestRemoveAndRoleEdges(t *testing.T) {
	e := newInviteEnv(t)
	kim, err := e.s.AcceptInvitation(e.ctx, e.invite("kim@example.com", RoleMember), NewUser{Password: "kim-passwort-1"})
	if err != nil {
		t.Fatal(err)
	}
	kv := userViewer(e.orgEnv, kim.ID)
	if err := e.s.RemoveMember(e.ctx, kv, e.org.ID, e.owner.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a member removing: %v", err)
	}
	if err := e.s.RemoveMember(e.ctx, e.ov, e.org.ID, "no-such-user"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("unknown member: %v", err)
	}
	var ve *ValidationError
	if err := e.s.SetRole(e.ctx, e.ov, e.org.ID, kim.ID, Role("boss")); !errors.As(err, &ve) {
		t.Fatalf("unknown role: %v", err)
	}
	if err := e.s.SetRole(e.ctx, e.ov, e.org.ID, "no-such-user", RoleAdmin); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("role of an unknown member: %v", err)
	}
	// An API key acts as admin: it may remove an owner (not the last),
	// but not change roles, which is for owners.
	if err := e.s.SetRole(e.ctx, keyViewer(e.org, EnvTest), e.org.ID, kim.ID, RoleAdmin); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a key changing a role: %v", err)
	}
	if err := e.s.SetRole(e.ctx, e.ov, e.org.ID, kim.ID, RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveMember(e.ctx, keyViewer(e.org, EnvTest), e.org.ID, kim.ID); err != nil {
		t.Fatalf("a key removing one of two owners: %v", err)
	}
	if err := e.s.RemoveMember(e.ctx, keyViewer(e.org, EnvTest), e.org.ID, e.owner.ID); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("a key removing the last owner: %v", err)
	}
	entries, _, _ := e.s.Audit(e.ov, e.org.ID, 3, 0)
	if len(entries) != 3 || entries[0].Action != "user.remove" || entries[1].Action != "user.role" || entries[2].Action != "user.join" {
		t.Fatalf("audit %+v", entries)
	}
	e.checkClean()
}

func TestInstallationRole(t *testing.T) {
	e := newInviteEnv(t)
	kim, err := e.s.AcceptInvitation(e.ctx, e.invite("kim@example.com", RoleMember), NewUser{Password: "kim-passwort-1"})
	if err != nil {
		t.Fatal(err)
	}
	is := func(id string) bool {
		ok, err := e.s.IsInstallAdmin(id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !is(e.owner.ID) || is(kim.ID) {
		t.Fatal("only the setup user holds the role after setup")
	}
	if err := e.s.SetInstallAdmin(e.ctx, e.owner.ID, "ghost", true); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("granting to nobody: %v", err)
	}
	if err := e.s.SetInstallAdmin(e.ctx, e.owner.ID, e.owner.ID, false); !errors.Is(err, ErrLastInstallAdmin) {
		t.Fatalf("revoking the last administrator: %v", err)
	}
	if err := e.s.SetInstallAdmin(e.ctx, e.owner.ID, kim.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetInstallAdmin(e.ctx, e.owner.ID, kim.ID, true); err != nil {
		t.Fatalf("granting twice: %v", err)
	}
	var grant installAdmin
	_ = e.st.View(func(tx store.Tx) (err error) {
		grant, err = store.GetJSON[installAdmin](tx, store.InstallAdminKey(kim.ID))
		return err
	})
	if grant.GrantedBy != e.owner.ID {
		t.Fatalf("grant %+v", grant)
	}
	users, err := e.s.InstallUsers()
	if err != nil || len(users) != 2 || users[0].Email != "chef@example.com" || users[1].Email != "kim@example.com" ||
		!users[0].InstallationAdmin || !users[1].InstallationAdmin || users[0].Organizations != 1 || users[1].Organizations != 1 {
		t.Fatalf("users %+v %v", users, err)
	}
	// With two, the setup user may step down; then kim is the last one.
	if err := e.s.SetInstallAdmin(e.ctx, kim.ID, e.owner.ID, false); err != nil {
		t.Fatal(err)
	}
	if is(e.owner.ID) || !is(kim.ID) {
		t.Fatal("revoke did not take")
	}
	if err := e.s.SetInstallAdmin(e.ctx, kim.ID, kim.ID, false); !errors.Is(err, ErrLastInstallAdmin) {
		t.Fatalf("revoking the last one: %v", err)
	}
	if need, err := e.s.NeedsSetup(); err != nil || need {
		t.Fatalf("needs setup %v %v", need, err)
	}
	if sum := e.checkClean(); sum.InstallAdmins != 1 || sum.Users != 2 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestChangePasswordRules(t *testing.T) {
	e := newInviteEnv(t)
	var ve *ValidationError
	if err := e.s.ChangePassword(e.ctx, e.owner.ID, "lang-genug-123", "kurz"); !errors.As(err, &ve) || ve.Field != "new_password" {
		t.Fatalf("short new password: %v", err)
	}
	if err := e.s.ChangePassword(e.ctx, "ghost", "lang-genug-123", "noch-laenger-456"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, pwv, err := e.s.Login("chef@example.com", "lang-genug-123"); err != nil || pwv != 1 {
		t.Fatalf("refused changes moved the version: %d %v", pwv, err)
	}
	if _, _, _, err := e.s.User("ghost"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("User of nobody: %v", err)
	}
}
