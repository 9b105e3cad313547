package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Dashboard sessions, the token cache, refresh and expiry, forged
// tokens, and the signing key across restarts.

func TestUserSessionsEndWithThePasswordAndSeeRoleChangesAtOnce(t *testing.T) {
	e := newAuthEnv(t)
	u, o, err := e.orgs.Setup(e.ctx, org.NewUser{Email: "chef@example.com", Password: "lang-genug-123"}, orgInput("Firma"))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.s.IssueForUser(u.ID, 1)
	if err != nil || sess.CSRF == "" || sess.ExpiresAt <= time.Now().Unix() {
		t.Fatalf("%+v %v", sess, err)
	}
	p, err := e.s.Resolve(sess.Token)
	if err != nil || p.Kind != "user" || p.User.ID != u.ID || p.CSRF != sess.CSRF || !p.InstallAdmin || !p.Viewer.InstallAdmin ||
		p.Viewer.Roots[o.ID] != org.RoleOwner || p.Viewer.Env != "" || p.Viewer.KeyOrgType != "" || p.Key != nil {
		t.Fatalf("principal %+v %v", p, err)
	}
	// A session is no refresh token.
	if _, err := e.s.Refresh(sess.Token); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("refresh with a session: %v", err)
	}
	// Padding around the token is ignored (sloppy clients).
	if _, err := e.s.Resolve("  " + sess.Token + "\n"); err != nil {
		t.Fatalf("padded token: %v", err)
	}
	// A new membership shows on the next request, though the token is cached.
	_, tok, err := e.orgs.Invite(e.ctx, e.v, e.main.ID, "chef@example.com", "", "", org.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.orgs.AcceptInvitation(e.ctx, tok, org.NewUser{Password: "lang-genug-123"}); err != nil {
		t.Fatal(err)
	}
	p2, err := e.s.Resolve(sess.Token)
	if err != nil || len(p2.Viewer.Roots) != 2 || p2.Viewer.Roots[e.main.ID] != org.RoleAdmin {
		t.Fatalf("roles after joining a second org: %v %v", p2.Viewer.Roots, err)
	}
	// A password change ends the session at once.
	if err := e.orgs.ChangePassword(e.ctx, u.ID, "lang-genug-123", "noch-laenger-456"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Resolve(sess.Token); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("session after a password change: %v", err)
	}
	fresh, _ := e.s.IssueForUser(u.ID, 2)
	if _, err := e.s.Resolve(fresh.Token); err != nil {
		t.Fatalf("a session of the new password: %v", err)
	}
	// A session of a user that does not exist.
	ghost, _ := e.s.IssueForUser("ghost", 1)
	if _, err := e.s.Resolve(ghost.Token); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("session of nobody: %v", err)
	}
}

// TestTheCacheKeepsExpiryAndHandsOutCopies: a cached token still expires
// on time, and what one request does to its principal does not reach the
// next.
func TestTheCacheKeepsExpiryAndHandsOutCopies(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	now := time.Now()
	e.s.now = func() time.Time { return now }
	resp, err := e.s.IssueForKey(k)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := e.s.Resolve(resp.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	p1.Key, p1.Viewer.Env = nil, "LIVE"
	p2, err := e.s.Resolve(resp.AccessToken)
	if err != nil || p2.Key == nil || p2.Viewer.Env != org.EnvTest || p2 == p1 {
		t.Fatalf("second resolve %+v %v", p2, err)
	}
	if p2.TokenExp.Unix() != resp.AccessTokenExpiresAt || p2.TokenID == "" {
		t.Fatalf("token identity %v %q, want exp %d", p2.TokenExp, p2.TokenID, resp.AccessTokenExpiresAt)
	}
	// No store write in between, so the cache answers — and must still
	// refuse at the expiry.
	gen := e.st.Generation()
	now = now.Add(AccessTTL)
	if _, err := e.s.Resolve(resp.AccessToken); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("cached token at its expiry: %v", err)
	}
	if e.st.Generation() != gen {
		t.Fatal("the test needs the generation unchanged")
	}
	// Deleting the key's organization revokes its tokens at once.
	now = time.Now()
	in := orgInput("Filiale")
	in.ManagedBy = str(e.main.ID)
	branch, err := e.orgs.Create(e.ctx, e.v, in)
	if err != nil {
		t.Fatal(err)
	}
	bk := e.key(branch.ID, "branch-key")
	bt, _ := e.s.IssueForKey(bk)
	if _, err := e.s.Resolve(bt.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := e.orgs.Delete(e.ctx, e.v, branch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Resolve(bt.AccessToken); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("token of a deleted org's key: %v", err)
	}
}

func TestTokenCacheIsBounded(t *testing.T) {
	var c tokenCache
	exp := time.Now().Add(time.Hour)
	for i := range maxCachedTokens {
		c.put(string(rune('a'+i%26))+strings.Repeat("x", i/26), &Principal{Kind: "key"}, exp, 1)
	}
	if len(c.m) != maxCachedTokens {
		t.Fatalf("%d entries", len(c.m))
	}
	c.put("one-more", &Principal{Kind: "user"}, exp, 1)
	if len(c.m) != 1 {
		t.Fatalf("a full cache must start over, has %d", len(c.m))
	}
	if p, ok := c.get("one-more", 1, time.Now()); !ok || p.Kind != "user" {
		t.Fatalf("%+v %v", p, ok)
	}
	if _, ok := c.get("one-more", 2, time.Now()); ok {
		t.Fatal("an entry of an older generation answered")
	}
	if _, ok := c.get("one-more", 1, exp); ok {
		t.Fatal("an entry at its expiry answered")
	}
}

func TestRefresh(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	now := time.Unix(1_800_000_000, 0)
	e.s.now = func() time.Time { return now }
	resp, err := e.s.IssueForKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if resp.AccessTokenExpiresIn != int64(AccessTTL/time.Second) || resp.RefreshExpiresIn != int64(RefreshTTL/time.Second) ||
		resp.AccessTokenExpiresAt != now.Add(AccessTTL).Unix() || resp.RefreshExpiresAt != now.Add(RefreshTTL).Unix() {
		t.Fatalf("lifetimes %+v", resp)
	}
	if resp.AccessTokenClaims["env"] != org.EnvTest || resp.AccessTokenClaims["organization_id"] != e.main.ID {
		t.Fatalf("claims %v", resp.AccessTokenClaims)
	}
	// After the access token expired, the refresh token still works ...
	now = now.Add(AccessTTL + time.Hour)
	if _, err := e.s.Resolve(resp.AccessToken); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("expired access token: %v", err)
	}
	fresh, err := e.s.Refresh(resp.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := e.s.Resolve(fresh.AccessToken); err != nil || p.Key.ID != k.ID {
		t.Fatalf("refreshed token %+v %v", p, err)
	}
	// ... not for a disabled key ...
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Status: str(StatusDisabled)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Refresh(resp.RefreshToken); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("refresh of a disabled key: %v", err)
	}
	if _, err := e.s.PatchKey(e.ctx, e.v, e.main.ID, k.ID, KeyInput{Status: str(StatusEnabled)}); err != nil {
		t.Fatal(err)
	}
	// ... and not after its own expiry.
	now = time.Unix(1_800_000_000, 0).Add(RefreshTTL)
	if _, err := e.s.Refresh(resp.RefreshToken); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("expired refresh token: %v", err)
	}
	for _, bad := range []string{"", "x.y.z"} {
		if _, err := e.s.Refresh(bad); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("refresh %q: %v", bad, err)
		}
	}
}

// TestForgedTokensAreParseErrors signs tokens that break one rule each
// with the installation's own key: none may pass.
func TestForgedTokensAreParseErrors(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	valid := func() claims {
		now := time.Now()
		return claims{RegisteredClaims: jwt.RegisteredClaims{Subject: k.ID, Issuer: issuer, IssuedAt: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), ID: "id"}, Kind: "key", Use: "access", Org: k.OrganizationID, Env: k.Env()}
	}
	sign := func(m jwt.SigningMethod, c claims, key any) string {
		tok, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := e.s.Resolve(sign(jwt.SigningMethodHS256, valid(), e.s.signKey)); err != nil {
		t.Fatalf("the control token: %v", err)
	}
	cases := map[string]string{
		"HS512 with our key": sign(jwt.SigningMethodHS512, valid(), e.s.signKey),
		"alg none":           sign(jwt.SigningMethodNone, valid(), jwt.UnsafeAllowNoneSignatureType),
		"another issuer":     sign(jwt.SigningMethodHS256, func() claims { c := valid(); c.Issuer = "fiskaly"; return c }(), e.s.signKey),
		"no expiry":          sign(jwt.SigningMethodHS256, func() claims { c := valid(); c.ExpiresAt = nil; return c }(), e.s.signKey),
		"unknown kind":       sign(jwt.SigningMethodHS256, func() claims { c := valid(); c.Kind = "admin"; return c }(), e.s.signKey),
		"a refresh token":    sign(jwt.SigningMethodHS256, func() claims { c := valid(); c.Use = "refresh"; return c }(), e.s.signKey),
		"another key":        sign(jwt.SigningMethodHS256, valid(), bytes.Repeat([]byte{1}, 32)),
	}
	for name, tok := range cases {
		_, err := e.s.Resolve(tok)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Token != tok || !strings.HasPrefix(err.Error(), "could not parse jwt: '") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSigningKeySurvivesARestartAndNeedsItsDataKey(t *testing.T) {
	e := newAuthEnv(t)
	k := e.key(e.main.ID, "pos-key")
	resp, _ := e.s.IssueForKey(k)
	same, _ := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	again, err := NewService(e.ctx, e.st, org.NewService(e.st), same)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Resolve(resp.AccessToken); err != nil {
		t.Fatalf("a token after a restart: %v", err)
	}
	other, _ := secret.NewSealer(bytes.Repeat([]byte{8}, 32))
	if _, err := NewService(e.ctx, e.st, org.NewService(e.st), other); err == nil || !strings.Contains(err.Error(), "data key") {
		t.Fatalf("another data key: %v", err)
	}
	// The stored token key is sealed, never the key itself.
	_ = e.st.View(func(tx store.Tx) error {
		box, err := tx.Get(store.KeyTokenKey)
		if err != nil || bytes.Contains(box, e.s.signKey) {
			t.Errorf("token key stored in clear (%v)", err)
		}
		return nil
	})
}

func TestKeyViewerOfAManagedOrgsKey(t *testing.T) {
	e := newAuthEnv(t)
	in := orgInput("Filiale")
	in.ManagedBy = str(e.main.ID)
	branch, err := e.orgs.Create(e.ctx, e.v, in)
	if err != nil {
		t.Fatal(err)
	}
	k := e.key(branch.ID, "branch-key")
	v := e.s.KeyViewer(k)
	if v.KeyOrgType != org.TypeManaged || v.Roots[branch.ID] != org.RoleAdmin || len(v.Roots) != 1 || v.Env != org.EnvTest ||
		v.Actor != (audit.Actor{Type: "api_key", ID: k.ID, OrganizationID: branch.ID}) || v.InstallAdmin {
		t.Fatalf("%+v", v)
	}
}
