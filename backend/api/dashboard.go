package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

// setupStatus is the answer of GET /api/dashboard/setup.
type setupStatus struct {
	Required   bool `json:"required"`
	TokenValid bool `json:"token_valid"`
}

// getSetup tells whether first-start setup is open and whether the
// request carries its token (the desktop window sends it by itself; a
// browser page gets it from the link fiskaldesk printed).
func (a *handlers) getSetup(w http.ResponseWriter, r *http.Request) error {
	needed, err := a.orgs.NeedsSetup()
	if err != nil {
		return err
	}
	ok := false
	if needed && a.setup != nil {
		a.setup.mu.Lock()
		ok = a.setup.valid(r.Header.Get(SetupTokenHeader))
		a.setup.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, setupStatus{Required: needed, TokenValid: ok})
	return nil
}

type sessionBody struct {
	User      *org.User         `json:"user"`
	CSRFToken string            `json:"csrf_token"`
	ExpiresAt int64             `json:"expires_at"`
	Org       *org.Organization `json:"organization,omitempty"`
}

// startSession sets the session cookie (HttpOnly, SameSite=Strict) and
// the CSRF cookie the page reads after a reload.
func (a *handlers) startSession(w http.ResponseWriter, r *http.Request, u *org.User, pwv int, o *org.Organization) error {
	s, err := a.auth.IssueForUser(u.ID, pwv)
	if err != nil {
		return err
	}
	exp := time.Unix(s.ExpiresAt, 0)
	secure := r.TLS != nil
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.Token, Path: "/", Expires: exp, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: s.CSRF, Path: "/", Expires: exp, Secure: secure, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, sessionBody{User: u, CSRFToken: s.CSRF, ExpiresAt: s.ExpiresAt, Org: o})
	return nil
}

// setupRequest is the first user and their organization.
type setupRequest struct {
	org.NewUser
	Organization org.Input `json:"organization"`
}

func (a *handlers) postSetup(w http.ResponseWriter, r *http.Request) error {
	var body setupRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	// Under the token's lock, so two requests with the token cannot both
	// set up; the token is spent only by a setup that succeeded.
	t := a.setup
	if t == nil {
		t = &SetupToken{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if needed, err := a.orgs.NeedsSetup(); err != nil {
		return err
	} else if needed && !t.valid(r.Header.Get(SetupTokenHeader)) {
		return errSetupToken
	}
	u, o, err := a.orgs.Setup(r.Context(), body.NewUser, body.Organization)
	if err != nil {
		return err
	}
	t.value = ""
	zerolog.Ctx(r.Context()).Info().Str("user", u.ID).Msg("first-start setup done; the setup token is spent")
	return a.startSession(w, r, u, 1, o)
}

// loginRequest is a dashboard user's credentials.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (a *handlers) login(w http.ResponseWriter, r *http.Request) error {
	var body loginRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	id := "user:" + strings.ToLower(strings.TrimSpace(body.Email))
	if err := a.checkLimit(w, id); err != nil {
		return err
	}
	u, pwv, err := a.orgs.Login(body.Email, body.Password)
	if errors.Is(err, org.ErrInvalidCredentials) {
		a.auth.Logins.Fail(id)
	}
	if err != nil {
		return err
	}
	a.auth.Logins.Succeed(id)
	return a.startSession(w, r, u, pwv, nil)
}

func (a *handlers) logout(w http.ResponseWriter, r *http.Request) error {
	for _, name := range []string{sessionCookie, csrfCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == sessionCookie, SameSite: http.SameSiteStrictMode})
	}
	writeJSON(w, http.StatusOK, success)
	return nil
}

// meOrg is an organization as the dashboard's switcher needs it.
type meOrg struct {
	org.Organization
	Role org.Role `json:"role"`
	// Member says the signed-in user belongs to this organization itself,
	// rather than seeing it through an organization that administers it:
	// the dashboard opens on the user's own main organization.
	Member bool `json:"member"`
}

type meBody struct {
	User          *org.User    `json:"user,omitempty"`
	APIKey        *auth.APIKey `json:"api_key,omitempty"`
	Organizations []meOrg      `json:"organizations" nullable:"false"`
	// InstallationAdmin: the user holds the installation role (backup,
	// restore, sync, price list; docs/security.md).
	InstallationAdmin bool `json:"installation_admin"`
	// CSRFToken is the session's, for pages that cannot read the CSRF
	// cookie (the desktop window's webview keeps no cookies); other
	// origins cannot read this answer.
	CSRFToken string `json:"csrf_token,omitempty"`
}

// me returns who is signed in and every organization they may see, with
// their role on each.
func (a *handlers) me(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	orgs, err := a.orgsWithRoles(p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meBody{User: p.User, APIKey: p.Key, Organizations: orgs, CSRFToken: p.CSRF, InstallationAdmin: p.InstallAdmin})
	return nil
}

// orgsWithRoles is every organization p may see, by name, with p's role.
func (a *handlers) orgsWithRoles(p *auth.Principal) ([]meOrg, error) {
	orgs, _, err := a.orgs.List(p.Viewer, org.ListFilter{OrderBy: "name", Limit: 100000})
	if err != nil {
		return nil, err
	}
	out := make([]meOrg, 0, len(orgs))
	for _, o := range orgs {
		_, role, err := a.orgs.Get(p.Viewer, o.ID)
		if err != nil {
			return nil, err
		}
		_, member := p.Viewer.Roots[o.ID]
		out = append(out, meOrg{*o, role, member && p.User != nil})
	}
	return out, nil
}

// passwordRequest changes the signed-in user's password.
type passwordRequest struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

func (a *handlers) changePassword(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.User == nil {
		return Errorf(http.StatusBadRequest, CodeSchema, "only dashboard users have passwords")
	}
	var body passwordRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	if err := a.orgs.ChangePassword(r.Context(), p.User.ID, body.Current, body.New); err != nil {
		return err
	}
	u, pwv, _, err := a.orgs.User(p.User.ID)
	if err != nil {
		return err
	}
	// The change ended every session; this one continues with a new token.
	return a.startSession(w, r, u, pwv, nil)
}

func (a *handlers) getInvitation(w http.ResponseWriter, r *http.Request) error {
	info, err := a.orgs.Invitation(chi.URLParam(r, "token"))
	return reply(w, info, err)
}

func (a *handlers) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	var nu org.NewUser
	if err := decode(r, &nu); err != nil {
		return err
	}
	u, err := a.orgs.AcceptInvitation(r.Context(), chi.URLParam(r, "token"), nu)
	if err != nil {
		return err
	}
	_, pwv, _, err := a.orgs.User(u.ID)
	if err != nil {
		return err
	}
	return a.startSession(w, r, u, pwv, nil)
}

// overview is GET /api/dashboard/overview?days=N (1–92, default 14): the
// start page's counts for the org and env of X-Organization-ID and X-Env.
func (a *handlers) overview(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	var err error
	days := 14
	if s := r.URL.Query().Get("days"); s != "" {
		if days, err = strconv.Atoi(s); err != nil || days < 1 || days > 92 {
			return Errorf(http.StatusBadRequest, CodeSchema, "days: must be an integer from 1 to 92")
		}
	}
	o, err := a.tss.Overview(c, days, time.Now().UTC())
	return reply(w, o, err)
}

// installUserList is the answer of GET /api/dashboard/installation/users.
type installUserList struct {
	Count int               `json:"count"`
	Data  []org.InstallUser `json:"data" nullable:"false"`
}

// installUsers is GET /api/dashboard/installation/users: every user of
// the installation with its installation role, for granting it.
func (a *handlers) installUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := a.orgs.InstallUsers()
	if users == nil {
		users = []org.InstallUser{}
	}
	return reply(w, installUserList{Count: len(users), Data: users}, err)
}

// setInstallAdmin is PUT (grant) and DELETE (revoke)
// /api/dashboard/installation/admins/{user_id}. The change is logged: the
// installation has no organization whose audit trail it would belong to.
func (a *handlers) setInstallAdmin(w http.ResponseWriter, r *http.Request) error {
	id, err := pathUUID(r, "user_id", chi.URLParam(r, "user_id"))
	if err != nil {
		return err
	}
	by := principal(r).User.ID
	on := r.Method == http.MethodPut
	if err := a.orgs.SetInstallAdmin(r.Context(), by, id, on); err != nil {
		return err
	}
	zerolog.Ctx(r.Context()).Info().Str("user", id).Str("by", by).Bool("installation_admin", on).Msg("installation role changed")
	writeJSON(w, http.StatusOK, success)
	return nil
}
