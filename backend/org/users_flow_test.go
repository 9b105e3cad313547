package org

import (
	"errors"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
)

// Setup, login, invitations, roles and the last-owner rule on the
// in-memory store.

func userViewer(e *orgEnv, id string) Viewer {
	e.t.Helper()
	_, _, roles, err := e.s.User(id)
	if err != nil {
		e.t.Fatal(err)
	}
	return Viewer{Roots: roles, Actor: audit.Actor{Type: "user", ID: id}}
}

func TestSetupLoginAndPassword(t *testing.T) {
	e := newOrgEnv(t)
	if need, err := e.s.NeedsSetup(); err != nil || !need {
		t.Fatalf("fresh store: %v %v", need, err)
	}
	var ve *ValidationError
	if _, _, err := e.s.Setup(e.ctx, NewUser{Email: "chef@example.com", Password: "kurz"}, input("Firma")); !errors.As(err, &ve) || ve.Field != "password" {
		t.Fatalf("short password: %v", err)
	}
	if need, _ := e.s.NeedsSetup(); !need {
		t.Fatal("a refused setup left a user")
	}
	u, o, err := e.s.Setup(e.ctx, NewUser{Email: " Chef@Example.com ", Password: "lang-genug-123"}, input("Firma"))
	if err != nil || u.Email != "chef@example.com" || o.Type != TypeOrganization {
		t.Fatalf("%+v %+v %v", u, o, err)
	}
	if _, _, err := e.s.Setup(e.ctx, NewUser{Email: "zwei@example.com", Password: "lang-genug-123"}, input("Zweite")); !errors.Is(err, ErrSetupDone) {
		t.Fatalf("second setup: %v", err)
	}
	got, pwv, err := e.s.Login("CHEF@example.com", "lang-genug-123")
	if err != nil || got.ID != u.ID || pwv != 1 {
		t.Fatalf("login %+v %d %v", got, pwv, err)
	}
	for _, bad := range [][2]string{{"chef@example.com", "falsch-falsch"}, {"nobody@example.com", "lang-genug-123"}} {
		if _, _, err := e.s.Login(bad[0], bad[1]); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("login %v: %v", bad, err)
		}
	}
	// The creator owns the org.
	if v := userViewer(e, u.ID); v.Roots[o.ID] != RoleOwner {
		t.Fatalf("roles %v", v.Roots)
	}
	if err := e.s.ChangePassword(e.ctx, u.ID, "falsch-falsch", "noch-laenger-456"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := e.s.ChangePassword(e.ctx, u.ID, "lang-genug-123", "noch-laenger-456"); err != nil {
		t.Fatal(err)
	}
	if _, pwv, err := e.s.Login("chef@example.com", "noch-laenger-456"); err != nil || pwv != 2 {
		t.Fatalf("after the change: %d %v (the version ends older sessions)", pwv, err)
	}
	if _, _, err := e.s.Login("chef@example.com", "lang-genug-123"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
}

func TestInvitationsAndRoles(t *testing.T) {
	e := newOrgEnv(t)
	owner, o, err := e.s.Setup(e.ctx, NewUser{Email: "chef@example.com", Password: "lang-genug-123"}, input("Firma"))
	if err != nil {
		t.Fatal(err)
	}
	ov := userViewer(e, owner.ID)
	inv, token, err := e.s.Invite(e.ctx, ov, o.ID, "Kollegin@Example.com", "Kim", "K", RoleAdmin)
	if err != nil || inv.Email != "kollegin@example.com" || token == "" {
		t.Fatalf("%+v %q %v", inv, token, err)
	}
	if _, _, err := e.s.Invite(e.ctx, ov, o.ID, "chef@example.com", "", "", RoleMember); !errors.Is(err, ErrAlreadyMember) {
		t.Fatalf("inviting a member: %v", err)
	}
	info, err := e.s.Invitation(token)
	if err != nil || info == nil {
		t.Fatalf("invitation info %+v %v", info, err)
	}
	if _, err := e.s.Invitation(token + "x"); !errors.Is(err, ErrInvitationNotFound) {
		t.Fatalf("wrong token: %v", err)
	}
	members, err := e.s.Members(ov, o.ID)
	if err != nil || len(members) != 2 {
		t.Fatalf("members %+v %v", members, err)
	}
	admin, err := e.s.AcceptInvitation(e.ctx, token, NewUser{Password: "kim-passwort-1"})
	if err != nil || admin.Email != "kollegin@example.com" || admin.FirstName != "Kim" {
		t.Fatalf("accept %+v %v", admin, err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, token, NewUser{Password: "kim-passwort-1"}); !errors.Is(err, ErrInvitationNotFound) {
		t.Fatalf("token used twice: %v", err)
	}
	av := userViewer(e, admin.ID)
	if av.Roots[o.ID] != RoleAdmin {
		t.Fatalf("roles %v", av.Roots)
	}
	// An admin invites members but cannot make owners or change roles.
	if _, _, err := e.s.Invite(e.ctx, av, o.ID, "chef2@example.com", "", "", RoleOwner); !errors.Is(err, ErrForbidden) {
		t.Fatalf("admin inviting an owner: %v", err)
	}
	if err := e.s.SetRole(e.ctx, av, o.ID, owner.ID, RoleMember); !errors.Is(err, ErrForbidden) {
		t.Fatalf("admin changing a role: %v", err)
	}
	// The last owner stays.
	if err := e.s.SetRole(e.ctx, ov, o.ID, owner.ID, RoleAdmin); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("demoting the last owner: %v", err)
	}
	if err := e.s.RemoveMember(e.ctx, ov, o.ID, owner.ID); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("removing the last owner: %v", err)
	}
	if err := e.s.RemoveMember(e.ctx, av, o.ID, owner.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("an admin removing an owner: %v", err)
	}
	// With a second owner the first may step down.
	if err := e.s.SetRole(e.ctx, ov, o.ID, admin.ID, RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetRole(e.ctx, ov, o.ID, owner.ID, RoleMember); err != nil {
		t.Fatalf("stepping down with another owner: %v", err)
	}
	// An open invitation is withdrawn by its id.
	inv2, token2, err := e.s.Invite(e.ctx, userViewer(e, admin.ID), o.ID, "spaeter@example.com", "", "", RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveMember(e.ctx, userViewer(e, admin.ID), o.ID, inv2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Invitation(token2); !errors.Is(err, ErrInvitationNotFound) {
		t.Fatalf("withdrawn invitation: %v", err)
	}
	// A removed member loses the org.
	if err := e.s.RemoveMember(e.ctx, userViewer(e, admin.ID), o.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	if v := userViewer(e, owner.ID); len(v.Roots) != 0 {
		t.Fatalf("removed member still has %v", v.Roots)
	}
	// A member of a managed org sees only that one.
	b := e.managed(o, "Filiale")
	_, tok3, err := e.s.Invite(e.ctx, userViewer(e, admin.ID), b.ID, "filiale@example.com", "", "", RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	fu, err := e.s.AcceptInvitation(e.ctx, tok3, NewUser{Password: "filiale-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.visible(userViewer(e, fu.ID)); len(got) != 1 || got[0] != "Filiale" {
		t.Fatalf("branch member sees %q", got)
	}
}
