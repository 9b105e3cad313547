package auth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
)

const issuer = "fiskaldesk"

// claims of fiskaldesk tokens. The cloud documents none; clients read only
// the access_token_claims of the /auth response.
type claims struct {
	jwt.RegisteredClaims
	Kind string `json:"knd"`           // "key" or "user"
	Use  string `json:"use"`           // "access" or "refresh"
	Org  string `json:"org,omitempty"` // key tokens: the key's org
	Env  string `json:"env,omitempty"` // key tokens: TEST or LIVE
	PWV  int    `json:"pwv,omitempty"` // user tokens: password version
	CSRF string `json:"csrf,omitempty"`
}

// AuthResponse is the body of POST /auth (§2.1).
type AuthResponse struct {
	AccessToken          string            `json:"access_token"`
	AccessTokenClaims    map[string]string `json:"access_token_claims"`
	AccessTokenExpiresIn int64             `json:"access_token_expires_in"`
	AccessTokenExpiresAt int64             `json:"access_token_expires_at"`
	RefreshToken         string            `json:"refresh_token"`
	RefreshExpiresIn     int64             `json:"refresh_token_expires_in"`
	RefreshExpiresAt     int64             `json:"refresh_token_expires_at"`
}

func (s *Service) sign(c claims, ttl time.Duration) (string, int64, error) {
	now := s.now()
	c.Issuer = issuer
	c.IssuedAt = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	c.ID = uuid.NewString()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.signKey)
	return tok, c.ExpiresAt.Unix(), err
}

// IssueForKey mints the access and refresh token of an authenticated key.
func (s *Service) IssueForKey(k *APIKey) (*AuthResponse, error) {
	base := claims{RegisteredClaims: jwt.RegisteredClaims{Subject: k.ID}, Kind: "key", Org: k.OrganizationID, Env: k.Env()}
	access, accessExp, err := s.sign(withUse(base, "access"), AccessTTL)
	if err != nil {
		return nil, err
	}
	refresh, refreshExp, err := s.sign(withUse(base, "refresh"), RefreshTTL)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	return &AuthResponse{
		AccessToken:          access,
		AccessTokenClaims:    map[string]string{"env": k.Env(), "organization_id": k.OrganizationID},
		AccessTokenExpiresIn: accessExp - now, AccessTokenExpiresAt: accessExp,
		RefreshToken: refresh, RefreshExpiresIn: refreshExp - now, RefreshExpiresAt: refreshExp,
	}, nil
}

func withUse(c claims, use string) claims { c.Use = use; return c }

// Refresh mints new tokens from a refresh token whose key is still enabled.
func (s *Service) Refresh(refreshToken string) (*AuthResponse, error) {
	c, err := s.parse(refreshToken)
	if err != nil || c.Use != "refresh" || c.Kind != "key" {
		return nil, ErrInvalidCredentials
	}
	k, err := s.activeKey(c.Subject)
	if err != nil {
		return nil, ErrInvalidCredentials
	}
	return s.IssueForKey(k)
}

// Session is a dashboard login: the token for the HttpOnly cookie and the
// CSRF token the page must echo in X-CSRF-Token.
type Session struct {
	Token     string
	CSRF      string
	ExpiresAt int64
}

// IssueForUser mints a dashboard session token.
func (s *Service) IssueForUser(userID string, passwordVersion int) (*Session, error) {
	csrf := secret.Token62(32)
	tok, exp, err := s.sign(claims{RegisteredClaims: jwt.RegisteredClaims{Subject: userID}, Kind: "user", Use: "access", PWV: passwordVersion, CSRF: csrf}, AccessTTL)
	if err != nil {
		return nil, err
	}
	return &Session{Token: tok, CSRF: csrf, ExpiresAt: exp}, nil
}

// Token errors, each a 401 at the HTTP layer.
var (
	ErrTokenExpired = errors.New("token expired")
	ErrKeyRevoked   = errors.New("the API key of this token is disabled or deleted")
	ErrSessionEnded = errors.New("session ended")
)

// ParseError is a token that is not one of ours; Error() is the cloud's
// message for it.
type ParseError struct{ Token string }

func (e *ParseError) Error() string { return fmt.Sprintf("could not parse jwt: '%s'", e.Token) }

func (s *Service) parse(tok string) (*claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.signKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return nil, ErrTokenExpired
	}
	if err != nil {
		return nil, &ParseError{Token: tok}
	}
	return &c, nil
}

// Principal is who acts on a request.
type Principal struct {
	Kind   string // "key" or "user"
	Key    *APIKey
	User   *org.User
	Viewer org.Viewer
	CSRF   string // user sessions only
	// InstallAdmin: a dashboard user holding the installation role (never
	// an API key, whatever its organization).
	InstallAdmin bool
	// TokenID and TokenExp identify the access token: TSS admin logins
	// are per token, as in the cloud.
	TokenID  string
	TokenExp time.Time
}

// Resolve checks an access token and returns its principal. A key that
// was disabled or deleted after minting the token makes it fail at once;
// so does a password change for older sessions.
//
// A token checked once is kept with its principal until it expires or
// the store's generation moves (store.Generation): any change of a key,
// user, membership or organization — what the check read — sends the
// next request through the full check again, so a disabled key is
// refused at once while a POS's token on the signing path costs a map
// lookup instead of an HMAC, a JSON decode and two store reads.
func (s *Service) Resolve(tok string) (*Principal, error) {
	tok = strings.TrimSpace(tok)
	gen := s.st.Generation() // before anything is read: see store.Generation
	if p, ok := s.tokens.get(tok, gen, s.now()); ok {
		return p, nil
	}
	p, err := s.resolveUncached(tok)
	if err != nil {
		return nil, err
	}
	s.tokens.put(tok, p, p.TokenExp, gen)
	return p, nil
}

func (s *Service) resolveUncached(tok string) (*Principal, error) {
	c, err := s.parse(tok)
	if err != nil {
		return nil, err
	}
	if c.Use != "access" {
		return nil, &ParseError{Token: tok}
	}
	switch c.Kind {
	case "key":
		k, err := s.activeKey(c.Subject)
		if err != nil {
			return nil, err
		}
		return &Principal{Kind: "key", Key: k, Viewer: s.KeyViewer(k), TokenID: c.ID, TokenExp: c.ExpiresAt.Time}, nil
	case "user":
		u, pwv, roles, err := s.orgs.User(c.Subject)
		if errors.Is(err, org.ErrUserNotFound) || (err == nil && pwv != c.PWV) {
			return nil, ErrSessionEnded
		}
		if err != nil {
			return nil, err
		}
		admin, err := s.orgs.IsInstallAdmin(u.ID)
		if err != nil {
			return nil, err
		}
		v := org.Viewer{Roots: roles, Actor: audit.Actor{Type: "user", ID: u.ID}, InstallAdmin: admin}
		return &Principal{Kind: "user", User: u, Viewer: v, CSRF: c.CSRF, TokenID: c.ID, TokenExp: c.ExpiresAt.Time, InstallAdmin: admin}, nil
	}
	return nil, &ParseError{Token: tok}
}

// tokenCache holds verified access tokens: token → principal, with the
// token's expiry and the store generation it was checked at.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]cachedToken
}

type cachedToken struct {
	p   Principal
	exp time.Time
	gen uint64
}

// maxCachedTokens bounds the cache; when full it starts over.
const maxCachedTokens = 10_000

func (c *tokenCache) get(tok string, gen uint64, now time.Time) (*Principal, bool) {
	c.mu.RLock()
	e, ok := c.m[tok]
	c.mu.RUnlock()
	if !ok || e.gen != gen || !now.Before(e.exp) {
		return nil, false
	}
	p := e.p // a copy per request
	return &p, true
}

func (c *tokenCache) put(tok string, p *Principal, exp time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[string]cachedToken{}
	}
	c.m[tok] = cachedToken{p: *p, exp: exp, gen: gen}
}

// uuidFor derives a stable key id from a bootstrap key string, so
// restarting with the same variables finds the same key.
func uuidFor(apiKey string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("fiskaldesk-bootstrap:"+apiKey)).String()
}
