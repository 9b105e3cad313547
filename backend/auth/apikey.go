package auth

import (
	"cmp"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Key types and statuses as in the cloud.
const (
	TypeAPIKey        = "API_KEY"
	TypeManagedAPIKey = "MANAGED_API_KEY"
	StatusEnabled     = "enabled"
	StatusDisabled    = "disabled"
)

// APIKey is the Management API's key object (§4.3). Secret is set only in
// the response that creates the key.
type APIKey struct {
	ID             string            `json:"_id"`
	Type           string            `json:"_type" enum:"API_KEY,MANAGED_API_KEY"`
	Envs           []string          `json:"_envs" enum:"TEST,LIVE" nullable:"false"`
	Key            string            `json:"key"`
	Secret         string            `json:"secret,omitempty"`
	Name           string            `json:"name"`
	Status         string            `json:"status" enum:"enabled,disabled"`
	Metadata       map[string]string `json:"metadata"`
	ManagedBy      string            `json:"managed_by_organization_id"` // "" when none, as the cloud sends
	CreatedAt      int64             `json:"created_at"`
	CreatedByUser  string            `json:"created_by_user,omitempty"`
	OrganizationID string            `json:"organization_id"` // extension
}

// Env is the one environment the key acts in.
func (k *APIKey) Env() string { return k.Envs[0] }

type keyRecord struct {
	V int `json:"v"`
	APIKey
	SecretHash string `json:"secret_hash"` // argon2id PHC; the secret itself is never stored
}

// KeyInput is the body of key create and patch.
type KeyInput struct {
	Name      org.Field[string]            `json:"name"`
	Status    org.Field[string]            `json:"status"`
	Metadata  org.Field[map[string]string] `json:"metadata"`
	ManagedBy org.Field[string]            `json:"managed_by_organization_id"`
	// Env (extension) picks TEST or LIVE for keys created from the
	// dashboard; a token-created key always takes the token's env.
	Env org.Field[string] `json:"env"`
}

var (
	ErrKeyNotFound = errors.New("api key not found")
	keyNameRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{2,29}$`)
	slugDropRe     = regexp.MustCompile(`[^a-z0-9]+`)
)

func (in *KeyInput) validate(create bool) error {
	if create && (!in.Name.Set || in.Name.Null) {
		return &org.ValidationError{Field: "name", Msg: "is required"}
	}
	if in.Name.Set && !keyNameRe.MatchString(in.Name.V) {
		return &org.ValidationError{Field: "name", Msg: "must be 3 to 30 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit"}
	}
	if in.Status.Set && in.Status.V != StatusEnabled && in.Status.V != StatusDisabled {
		return &org.ValidationError{Field: "status", Msg: "must be enabled or disabled"}
	}
	if in.Metadata.Set && !in.Metadata.Null {
		if err := org.ValidateMetadata("metadata", in.Metadata.V); err != nil {
			return err
		}
	}
	if in.Env.Set && in.Env.V != org.EnvTest && in.Env.V != org.EnvLive {
		return &org.ValidationError{Field: "env", Msg: "must be TEST or LIVE"}
	}
	return nil
}

// keyString builds the public key id: test_<24 alnum>_<name slug>, the
// shape observed in the cloud (live_ for LIVE keys).
func keyString(env, name string) string {
	slug := slugDropRe.ReplaceAllString(strings.ToLower(name), "")
	return strings.ToLower(env) + "_" + secret.Token(24) + "_" + slug
}

// liveAllowed: a LIVE key needs a live org, or a live parent (a live
// reseller's managed orgs work in LIVE without going live themselves).
func liveAllowed(txn store.Tx, o *org.Organization) bool {
	if o.HasEnv(org.EnvLive) {
		return true
	}
	if o.ManagedBy == "" {
		return false
	}
	p, err := store.GetJSON[struct {
		Envs []string `json:"_envs"`
	}](txn, store.OrgKey(o.ManagedBy))
	return err == nil && slices.Contains(p.Envs, org.EnvLive)
}

// CreateOrganization creates an organization as org.Service.Create does
// and, when in asks for generate_api_key, its first API key ("generated-key",
// secret included) in the same transaction: both or neither exist.
func (s *Service) CreateOrganization(ctx context.Context, v org.Viewer, in org.Input) (*org.Organization, *APIKey, error) {
	var key *APIKey
	var then []func(store.Tx, *org.Organization) error
	if in.GenerateAPIKey.Value() {
		then = append(then, func(txn store.Tx, o *org.Organization) (err error) {
			key, err = s.CreateKeyTx(txn, v, o, KeyInput{Name: org.Field[string]{Set: true, V: "generated-key"}})
			return err
		})
	}
	o, err := s.orgs.Create(ctx, v, in, then...)
	if err != nil {
		return nil, nil, err
	}
	return o, key, nil
}

// CreateKeyTx creates a key for o inside txn and returns it with its
// secret. The caller has checked that v may administer o.
func (s *Service) CreateKeyTx(txn store.Tx, v org.Viewer, o *org.Organization, in KeyInput) (*APIKey, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	env := v.Env
	if env == "" {
		env = cmp.Or(in.Env.V, org.EnvTest)
	} else if in.Env.Set && in.Env.V != env {
		return nil, &org.ValidationError{Field: "env", Msg: "a " + env + " token creates " + env + " keys only"}
	}
	if env == org.EnvLive && !liveAllowed(txn, o) {
		return nil, org.ErrEnvNotEnabled
	}
	if in.ManagedBy.Set && in.ManagedBy.V != "" && in.ManagedBy.V != o.ManagedBy {
		return nil, &org.ValidationError{Field: "managed_by_organization_id", Msg: "does not match the organization's managing organization"}
	}
	k := APIKey{ID: uuid.NewString(), Type: TypeAPIKey, Envs: []string{env}, Key: keyString(env, in.Name.V),
		Name: in.Name.V, Status: cmp.Or(in.Status.V, StatusEnabled), Metadata: in.Metadata.V,
		ManagedBy: o.ManagedBy, CreatedAt: s.now().Unix(), CreatedByUser: v.Actor.ID, OrganizationID: o.ID}
	if o.Type == org.TypeManaged {
		k.Type = TypeManagedAPIKey
	}
	if k.Metadata == nil {
		k.Metadata = map[string]string{}
	}
	plain := secret.Token62(40)
	if err := s.putKey(txn, keyRecord{V: 1, APIKey: k, SecretHash: secret.Hash(plain)}); err != nil {
		return nil, err
	}
	if err := audit.Record(txn, o.ID, v.Actor, "api_key.create", "api_key", k.ID, "name", "status", "env"); err != nil {
		return nil, err
	}
	k.Secret = plain
	return &k, nil
}

func (s *Service) putKey(txn store.Tx, r keyRecord) error {
	r.Secret = ""
	if err := store.PutJSON(txn, store.APIKeyKey(r.ID), r); err != nil {
		return err
	}
	if err := txn.Set(store.APIKeyByKeyKey(r.Key), []byte(r.ID)); err != nil {
		return err
	}
	return txn.Set(store.OrgAPIKeyKey(r.OrganizationID, r.ID), nil)
}

// CreateKey creates a key for organization orgID.
func (s *Service) CreateKey(ctx context.Context, v org.Viewer, orgID string, in KeyInput) (*APIKey, error) {
	var k *APIKey
	err := s.st.Update(ctx, func(txn store.Tx) error {
		o, role, err := s.orgs.GetTx(txn, v, orgID)
		if err != nil {
			return err
		}
		if !role.AtLeast(org.RoleAdmin) {
			return org.ErrForbidden
		}
		k, err = s.CreateKeyTx(txn, v, o, in)
		return err
	})
	return k, err
}

// keyOf loads key id of organization orgID as seen by v.
func (s *Service) keyOf(txn store.Tx, v org.Viewer, orgID, id string, write bool) (*keyRecord, error) {
	_, role, err := s.orgs.GetTx(txn, v, orgID)
	if err != nil {
		return nil, err
	}
	if write && !role.AtLeast(org.RoleAdmin) {
		return nil, org.ErrForbidden
	}
	r, err := store.GetJSON[keyRecord](txn, store.APIKeyKey(id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.OrganizationID != orgID) {
		return nil, ErrKeyNotFound
	}
	return &r, err
}

// KeyFilter are the query parameters of the key list.
type KeyFilter struct {
	Status  []string
	Kind    string // test or live
	OrderBy string // name, kind, status, created_at
	Desc    bool
	Limit   int
	Offset  int
}

// ListKeys returns a page of an organization's keys and the total count.
func (s *Service) ListKeys(v org.Viewer, orgID string, f KeyFilter) ([]APIKey, int, error) {
	var all []APIKey
	err := s.st.View(func(txn store.Tx) error {
		if _, _, err := s.orgs.GetTx(txn, v, orgID); err != nil {
			return err
		}
		recs, err := orgKeys(txn, orgID)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if (len(f.Status) == 0 || slices.Contains(f.Status, r.Status)) && (f.Kind == "" || strings.EqualFold(f.Kind, r.Env())) {
				all = append(all, r.APIKey)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	key := func(k APIKey) string {
		switch f.OrderBy {
		case "name":
			return strings.ToLower(k.Name)
		case "kind":
			return k.Env()
		case "status":
			return k.Status
		}
		return ""
	}
	slices.SortStableFunc(all, func(a, b APIKey) int {
		c := cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.CreatedAt, b.CreatedAt), cmp.Compare(a.ID, b.ID))
		if f.Desc {
			return -c
		}
		return c
	})
	return paging.Page(all, f.Limit, f.Offset), len(all), nil
}

// GetKey returns one key of organization orgID.
func (s *Service) GetKey(v org.Viewer, orgID, id string) (*APIKey, error) {
	var k *APIKey
	err := s.st.View(func(txn store.Tx) error {
		r, err := s.keyOf(txn, v, orgID, id, false)
		if err == nil {
			k = &r.APIKey
		}
		return err
	})
	return k, err
}

// PatchKey changes a key's name, status or metadata. Disabling takes
// effect at once, for the tokens the key minted too.
func (s *Service) PatchKey(ctx context.Context, v org.Viewer, orgID, id string, in KeyInput) (*APIKey, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	var k *APIKey
	err := s.st.Update(ctx, func(txn store.Tx) error {
		r, err := s.keyOf(txn, v, orgID, id, true)
		if err != nil {
			return err
		}
		var fields []string
		if in.Name.Set {
			r.Name, fields = in.Name.V, append(fields, "name")
		}
		if in.Status.Set {
			r.Status, fields = in.Status.V, append(fields, "status")
		}
		if in.Metadata.Set {
			r.Metadata, fields = in.Metadata.V, append(fields, "metadata")
			if r.Metadata == nil {
				r.Metadata = map[string]string{}
			}
		}
		if err := store.PutJSON(txn, store.APIKeyKey(id), r); err != nil {
			return err
		}
		k = &r.APIKey
		return audit.Record(txn, orgID, v.Actor, "api_key.update", "api_key", id, fields...)
	})
	return k, err
}

// DeleteKey removes a key; its tokens stop working at once.
func (s *Service) DeleteKey(ctx context.Context, v org.Viewer, orgID, id string) error {
	return s.st.Update(ctx, func(txn store.Tx) error {
		r, err := s.keyOf(txn, v, orgID, id, true)
		if err != nil {
			return err
		}
		if err := deleteKey(txn, r); err != nil {
			return err
		}
		return audit.Record(txn, orgID, v.Actor, "api_key.delete", "api_key", id)
	})
}

func deleteKey(txn store.Tx, r *keyRecord) error {
	for _, k := range [][]byte{store.APIKeyKey(r.ID), store.APIKeyByKeyKey(r.Key), store.OrgAPIKeyKey(r.OrganizationID, r.ID)} {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// orgKeys loads every key record of an organization.
func orgKeys(txn store.Tx, orgID string) ([]keyRecord, error) {
	ids, err := store.IDs(txn, store.OrgAPIKeyPrefix(orgID))
	if err != nil {
		return nil, err
	}
	recs := make([]keyRecord, 0, len(ids))
	for _, id := range ids {
		r, err := store.GetJSON[keyRecord](txn, store.APIKeyKey(id))
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// deleteOrgKeys runs inside the transaction that deletes an organization.
func deleteOrgKeys(txn store.Tx, orgID string) error {
	recs, err := orgKeys(txn, orgID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := deleteKey(txn, &r); err != nil {
			return err
		}
	}
	return nil
}
