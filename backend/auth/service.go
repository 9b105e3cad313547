package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Token lifetimes observed in the cloud (§2.1): access 24 h, refresh 48 h.
const (
	AccessTTL  = 24 * time.Hour
	RefreshTTL = 48 * time.Hour
)

// Service issues and checks credentials.
type Service struct {
	st      *store.Store
	orgs    *org.Service
	signKey []byte
	now     func() time.Time
	// Logins limits failed attempts per key or e-mail address.
	Logins *Limiter
	tokens tokenCache
}

// tokenKeyAAD binds the sealed token key to its place in the store.
var tokenKeyAAD = []byte("token-key")

// NewService loads (or creates) the token signing key, sealed under the
// data key like TSS keys, and hooks key deletion into organization
// deletion.
//
// Stores of before kept the key in clear (meta/jwt-key), and every backup
// of them carries it: whoever holds one could mint tokens. That key is
// retired, never adopted: it is deleted and a new one made, so tokens and
// sessions of before the upgrade end once (a POS authenticates again, as
// after any expiry).
func NewService(ctx context.Context, st *store.Store, orgs *org.Service, sealer *secret.Sealer) (*Service, error) {
	s := &Service{st: st, orgs: orgs, now: time.Now, Logins: NewLimiter(LoginFreeFailures, LoginWindow)}
	err := st.Update(ctx, func(txn store.Tx) error {
		if err := txn.Delete(store.KeyRetiredClearTokenKey); err != nil {
			return err
		}
		box, err := txn.Get(store.KeyTokenKey)
		if errors.Is(err, store.ErrNotFound) {
			k := make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return err
			}
			s.signKey = k
			return txn.Set(store.KeyTokenKey, sealer.Seal(k, tokenKeyAAD))
		}
		if err != nil {
			return err
		}
		if s.signKey, err = sealer.Open(box, tokenKeyAAD); err != nil {
			return fmt.Errorf("the data key does not open the sealed token key: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	orgs.OnDelete(deleteOrgKeys)
	return s, nil
}

// ErrInvalidCredentials is any failed key/secret or refresh-token check.
var ErrInvalidCredentials = errors.New("invalid credentials")

// Authenticate checks an api_key/api_secret pair. Unknown keys, wrong
// secrets, disabled keys and keys of deleted orgs all fail the same way.
func (s *Service) Authenticate(apiKey, apiSecret string) (*APIKey, error) {
	var r keyRecord
	err := s.st.View(func(txn store.Tx) error {
		id, err := txn.Get(store.APIKeyByKeyKey(apiKey))
		if err != nil {
			return err
		}
		r, err = store.GetJSON[keyRecord](txn, store.APIKeyKey(string(id)))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		_, _ = secret.Verify(dummyHash(), apiSecret) // same time as a real check
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if ok, err := secret.Verify(r.SecretHash, apiSecret); err != nil || !ok || r.Status != StatusEnabled {
		return nil, ErrInvalidCredentials
	}
	return &r.APIKey, nil
}

// dummyHash is checked when there is nothing to check against, so that an
// unknown name takes as long as a wrong secret. Made on first use, with the
// parameters new hashes get, not at package init (one argon2id run fewer at
// every start).
var dummyHash = sync.OnceValue(func() string { return secret.Hash("fiskaldesk-timing-equaliser") })

// activeKey loads key id and checks it is still enabled.
func (s *Service) activeKey(id string) (*APIKey, error) {
	var r keyRecord
	err := s.st.View(func(txn store.Tx) (err error) {
		r, err = store.GetJSON[keyRecord](txn, store.APIKeyKey(id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrKeyRevoked
	}
	if err != nil {
		return nil, err
	}
	if r.Status != StatusEnabled {
		return nil, ErrKeyRevoked
	}
	return &r.APIKey, nil
}

// orgType returns the _type of organization id, "" when it is gone.
func (s *Service) orgType(id string) string {
	var t string
	_ = s.st.View(func(txn store.Tx) error {
		o, err := store.GetJSON[struct {
			Type string `json:"_type"`
		}](txn, store.OrgKey(id))
		t = o.Type
		return err
	})
	return t
}

// KeyViewer is the viewer an API key acts as: its own org with admin
// rights, in its env.
func (s *Service) KeyViewer(k *APIKey) org.Viewer {
	return org.Viewer{
		Roots:      map[string]org.Role{k.OrganizationID: org.RoleAdmin},
		Env:        k.Env(),
		Actor:      audit.Actor{Type: "api_key", ID: k.ID, OrganizationID: k.OrganizationID},
		KeyOrgType: s.orgType(k.OrganizationID),
	}
}

// Bootstrap makes sure an enabled TEST key with exactly these credentials
// exists, creating a main organization named orgName for it when absent
// (FISKALDESK_BOOTSTRAP_* for headless use and CI). It reports whether it
// created anything.
func (s *Service) Bootstrap(ctx context.Context, apiKey, apiSecret, orgName string) (bool, error) {
	if len(apiKey) < 8 || len(apiSecret) < 16 {
		return false, fmt.Errorf("bootstrap: the key needs at least 8 and the secret 16 characters")
	}
	created := false
	err := s.st.Update(ctx, func(txn store.Tx) error {
		if id, err := txn.Get(store.APIKeyByKeyKey(apiKey)); err == nil {
			r, err := store.GetJSON[keyRecord](txn, store.APIKeyKey(string(id)))
			if err != nil {
				return err
			}
			if ok, _ := secret.Verify(r.SecretHash, apiSecret); !ok {
				return fmt.Errorf("bootstrap: key %s exists with another secret; not changed", apiKey)
			}
			return nil
		}
		if orgName == "" {
			orgName = "fiskaldesk"
		}
		str := func(v string) org.Field[string] { return org.Field[string]{Set: true, V: v} }
		// The address is a placeholder the owner can PATCH; create requires one.
		o, err := s.orgs.CreateTx(txn, org.Viewer{Actor: audit.System}, org.Input{
			Name: str(orgName), AddressLine1: str(org.PlaceholderText), Zip: str(org.PlaceholderZip), Town: str(org.PlaceholderText), CountryCode: str("DEU"),
		})
		if err != nil {
			return fmt.Errorf("bootstrap organization: %w", err)
		}
		k := APIKey{ID: uuidFor(apiKey), Type: TypeAPIKey, Envs: []string{org.EnvTest}, Key: apiKey, Name: "bootstrap",
			Status: StatusEnabled, Metadata: map[string]string{}, CreatedAt: s.now().Unix(), OrganizationID: o.ID}
		if err := s.putKey(txn, keyRecord{V: 1, APIKey: k, SecretHash: secret.Hash(apiSecret)}); err != nil {
			return err
		}
		created = true
		return audit.Record(txn, o.ID, audit.System, "api_key.bootstrap", "api_key", k.ID)
	})
	return created, err
}
