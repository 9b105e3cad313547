package api

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Cookie names of a dashboard session.
const (
	sessionCookie = "fiskaldesk_session"
	csrfCookie    = "fiskaldesk_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// The headers that name what a request acts for (extension,
// docs/sign-de.md › Whose TSS). Only the authorization step reads them.
const (
	orgHeader = "X-Organization-ID"
	envHeader = "X-Env"
)

const grantKey ctxKey = iota + 100

// grant is what the authorization step found out about a request: who
// acts, for which organization, in which env, with which role there.
type grant struct {
	p *auth.Principal
	// org is the organization the route acts on ("" when the route has none
	// and the principal named none); role is p's role on it.
	org  string
	role org.Role
	// env is TEST or LIVE on routes with an env scope, else "".
	env string
	// cookie: authenticated by the dashboard session cookie.
	cookie bool
}

func grantOf(r *http.Request) *grant {
	g, _ := r.Context().Value(grantKey).(*grant)
	return g
}

// principal returns the authenticated principal of the request.
func principal(r *http.Request) *auth.Principal {
	if g := grantOf(r); g != nil {
		return g.p
	}
	return nil
}

// caller is the SIGN DE / DSFinV-K caller the authorization step resolved.
func caller(r *http.Request) tss.Caller {
	g := grantOf(r)
	return tss.Caller{Viewer: g.p.Viewer, Env: g.env, ActingOrg: g.org, TokenID: g.p.TokenID, TokenExp: g.p.TokenExp}
}

var (
	errNoToken    = &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "Missing bearer token"}
	errCSRF       = &Error{Status: http.StatusForbidden, Code: "E_CSRF", Message: "Missing or invalid CSRF token"}
	errNotJSON    = &Error{Status: http.StatusUnsupportedMediaType, Code: "E_UNSUPPORTED_MEDIA_TYPE", Message: "Dashboard requests send JSON: Content-Type must be application/json"}
	errForbidden  = &Error{Status: http.StatusForbidden, Code: "E_ACCESS_DENIED", Message: "Access denied: your role in this organization only reads."}
	errNotInstall = &Error{Status: http.StatusForbidden, Code: "E_ACCESS_DENIED", Message: "Access denied: this needs the installation administrator role (docs/security.md); organization roles and API keys do not grant it."}
	errUserOnly   = &Error{Status: http.StatusForbidden, Code: "E_ACCESS_DENIED", Message: "Access denied: only dashboard users may do this."}
	errNoActing   = &Error{Status: http.StatusBadRequest, Code: CodeSchema, Message: "X-Organization-ID: required, you act for several organizations"}
)

// guard is the authorization step of route rt, run before its handler.
func (a *handlers) guard(rt route) http.Handler {
	var next http.Handler = rt.handle
	for i := len(rt.with) - 1; i >= 0; i-- {
		next = rt.with[i](next)
	}
	return HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		switch rt.access {
		case public, syncCredential, localToken:
			// The dashboard's own public routes (login, setup, invitations)
			// are what a page in the browser next door would attack:
			// JSON only, like every cookie route.
			if rt.api == dash && !rt.raw && !jsonBody(r) {
				return errNotJSON
			}
			next.ServeHTTP(w, r)
			return nil
		case setupToken:
			if !jsonBody(r) {
				return errNotJSON
			}
			if err := a.checkSetupToken(r); err != nil {
				return err
			}
			next.ServeHTTP(w, r)
			return nil
		}
		g, err := a.authenticate(r)
		if err != nil {
			return err
		}
		if g.cookie && !rt.raw && !jsonBody(r) {
			return errNotJSON
		}
		if err := a.authorize(r, rt, g); err != nil {
			return err
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), grantKey, g)))
		return nil
	})
}

// authenticate requires a valid access token: a bearer token (POS, API
// clients), or else the dashboard's session cookie, which must come with
// the session's CSRF token on every request that changes something.
func (a *handlers) authenticate(r *http.Request) (*grant, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			return nil, errNoToken
		}
		p, err := a.auth.Resolve(tok)
		if err != nil {
			return nil, err
		}
		return &grant{p: p}, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errNoToken
	}
	p, err := a.auth.Resolve(c.Value)
	if err == nil && p.Kind != "user" {
		err = errNoToken
	}
	if err != nil {
		return nil, err
	}
	if !safeMethod(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(p.CSRF)) != 1 {
		return nil, errCSRF
	}
	return &grant{p: p, cookie: true}, nil
}

// authorize checks the route's requirement and resolves its organization
// and env into g. Organizations the principal cannot see are 404, whether
// named in the path or in X-Organization-ID, so their ids are never
// confirmed; a role too weak for the route is 403.
func (a *handlers) authorize(r *http.Request, rt route, g *grant) error {
	v := g.p.Viewer
	if rt.billing && a.bill != nil {
		if hidden, err := a.bill.Hidden(v); err != nil || hidden {
			return cmp.Or(err, billing.ErrHidden)
		}
	}
	switch rt.access {
	case userOnly:
		if g.p.User == nil {
			return errUserOnly
		}
	case installAdmin:
		if g.p.User == nil || !g.p.InstallAdmin {
			return errNotInstall
		}
	}
	envScoped := rt.scope == actingEnv || rt.scope == tssOrg
	if err := g.resolveEnv(r, envScoped); err != nil {
		return err
	}
	// The organization named in the header, validated whatever the scope.
	if h := r.Header.Get(orgHeader); h != "" {
		id, err := pathUUID(r, orgHeader, h)
		if err != nil {
			return err
		}
		if g.role, err = a.orgs.ActFor(v, id, ""); err != nil {
			return err
		}
		g.org = id
	} else if g.p.Key != nil {
		g.org, g.role = g.p.Key.OrganizationID, org.RoleAdmin
	} else if len(v.Roots) == 1 {
		for id, role := range v.Roots {
			g.org, g.role = id, role
		}
	}
	target, role := g.org, g.role
	switch rt.scope {
	case pathOrg:
		id, err := orgID(r)
		if err != nil {
			return err
		}
		if role, err = a.orgs.ActFor(v, id, ""); err != nil {
			return err
		}
		target = id
	case actingEnv:
		if target == "" {
			return errNoActing
		}
	case tssOrg:
		if target == "" {
			return errNoActing
		}
		// The role counts on the organization that owns the TSS, which may
		// be another than the acting one (a reseller's key reaching a
		// customer's TSS); a TSS of an organization the principal cannot see
		// is 404 here, before the handler reads anything.
		id, err := param(r, "tss_id")
		if err != nil {
			return err
		}
		owner, err := a.tss.OrgOf(id, target)
		if err != nil {
			return err
		}
		if owner != "" && owner != target {
			if role, err = a.orgs.ActFor(v, owner, ""); errors.Is(err, org.ErrNotFound) {
				return tss.ErrTSSNotFound
			} else if err != nil {
				return err
			}
		}
	}
	if rt.scope == pathOrg {
		g.org = target
	}
	g.role = role
	if envScoped && g.env == org.EnvLive {
		// LIVE needs a live organization (or a live managing one), for
		// sessions as for keys.
		if _, err := a.orgs.ActFor(v, target, org.EnvLive); err != nil {
			return err
		}
	}
	switch rt.access {
	case read:
		if rt.scope == noOrg {
			return nil
		}
		if !role.AtLeast(org.RoleMember) {
			return errForbidden
		}
	case write:
		if rt.scope == noOrg {
			if !v.WritesSomewhere() {
				return errForbidden
			}
			return nil
		}
		if !role.AtLeast(org.RoleAdmin) {
			return errForbidden
		}
	}
	return nil
}

// resolveEnv sets g.env: the token's env for an API key (X-Env, when sent,
// must name it), X-Env for a session (default TEST).
func (g *grant) resolveEnv(r *http.Request, scoped bool) error {
	h := strings.ToUpper(strings.TrimSpace(r.Header.Get(envHeader)))
	if h != "" && h != org.EnvTest && h != org.EnvLive {
		return Errorf(http.StatusBadRequest, CodeSchema, "X-Env: must be TEST or LIVE")
	}
	if env := g.p.Viewer.Env; env != "" {
		if h != "" && h != env {
			return Errorf(http.StatusBadRequest, CodeSchema, "X-Env: this token acts in %s only", env)
		}
		g.env = env
		return nil
	}
	if scoped {
		g.env = h
		if g.env == "" {
			g.env = org.EnvTest
		}
	}
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// jsonBody reports whether a request's body, if it has one, is declared
// as JSON. A form or text/plain body is what a page of another origin can
// send without a preflight; JSON cannot be.
func jsonBody(r *http.Request) bool {
	// No body, or a GET/HEAD whose body nobody reads: the desktop window's
	// asset server hands GETs over with an unknown length (-1).
	if r.Header.Get("Content-Type") == "" && (r.ContentLength == 0 || r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return true
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// orgID reads {organization_id}.
func orgID(r *http.Request) (string, error) {
	return pathUUID(r, "organization_id", chi.URLParam(r, "organization_id"))
}
