package tss

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// printable is the character set of TSS descriptions and client serials
// (PrintableString, as they go into log messages).
var descriptionRe = regexp.MustCompile(`^[A-Za-z0-9 '()+,\-./:=?]{0,100}$`)

func newPUK() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(10_000_000_000))
	return fmt.Sprintf("%010d", n)
}

// Create makes TSS id for c's acting org in c's env, in state CREATED,
// with a fresh P-256 key, its certificate and a 10-digit PUK (returned in
// the view). Repeating it while the TSS is CREATED returns the same TSS
// and PUK; in any other state it is ErrTSSConflict. The id of a TSS c
// cannot see is ErrTSSNotFound.
func (s *Service) Create(ctx context.Context, c Caller, id string, metadata map[string]string) (*View, error) {
	if err := org.ValidateMetadata("metadata", metadata); err != nil {
		return nil, err
	}
	defer s.lock(id)()
	var existing *TSS
	var ctr counters
	err := s.st.View(func(txn store.Tx) error {
		t, err := store.GetJSON[TSS](txn, store.TSSKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// Another tenant's TSS id is 404, as when reading it: a 409 would
		// confirm that the id exists.
		if seen, err := s.sees(txn, c, id); err != nil || !seen {
			return cmp.Or(err, ErrTSSNotFound)
		}
		if err := signedHere(txn, id); err != nil {
			return err
		}
		existing = &t
		ctr, err = store.GetTSSCounters(txn, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if existing != nil {
		if existing.State != StateCreated || existing.OrgID != c.ActingOrg || existing.Env != c.Env {
			return nil, ErrTSSConflict
		}
		puk, err := s.sealer.Open(existing.SealedPUK, []byte(id))
		if err != nil {
			return nil, err
		}
		v := existing.view(ctr)
		v.AdminPUK = string(puk)
		return v, nil
	}
	if _, role, err := s.orgs.Get(c.Viewer, c.ActingOrg); err != nil {
		return nil, err
	} else if !role.AtLeast(org.RoleAdmin) {
		return nil, org.ErrForbidden
	}
	caKey, caDER, err := s.ca(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := s.now()
	cert, err := tse.IssueLeaf(caKey, caDER, &key.PublicKey, now)
	if err != nil {
		return nil, err
	}
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	puk := newPUK()
	t := &TSS{V: 1, ID: id, Env: c.Env, OrgID: c.ActingOrg, State: StateCreated,
		Serial: hex.EncodeToString(tse.Serial(&key.PublicKey)), PublicKey: tse.Point(&key.PublicKey), Certificate: cert,
		SealedKey: s.sealer.Seal(kd, []byte(id)), SealedPUK: s.sealer.Seal([]byte(puk), []byte(id)), PUKHash: secret.Hash(puk),
		Metadata: metadata, TimeCreation: now.Unix(), Indexed: true, IssuerCert: caDER}
	err = s.st.Update(ctx, func(txn store.Tx) error {
		if ok, err := store.Exists(txn, store.TSSKey(id)); err != nil || ok {
			return cmp.Or(err, ErrTSSConflict)
		}
		if err := s.checkTestLimit(txn, c); err != nil {
			return err
		}
		if err := store.PutJSON(txn, store.TSSKey(id), t); err != nil {
			return err
		}
		if err := store.PutTSSCounters(txn, id, counters{}); err != nil {
			return err
		}
		return store.PutOrgTSS(txn, t.OrgID, id, t.Env, t.State)
	})
	if err != nil {
		return nil, err
	}
	v := t.view(counters{})
	v.AdminPUK = puk
	return v, nil
}

// checkTestLimit applies the cloud's TEST limit of TSS not DISABLED per org.
func (s *Service) checkTestLimit(txn store.Tx, c Caller) error {
	if c.Env != org.EnvTest || s.TestTSSLimit <= 0 {
		return nil
	}
	ids, err := store.IDs(txn, store.OrgTSSPrefix(c.ActingOrg))
	if err != nil {
		return err
	}
	n := 0
	for _, id := range ids {
		t, err := store.GetJSON[TSS](txn, store.TSSKey(id))
		if err != nil {
			return err
		}
		if t.Env == org.EnvTest && t.State != StateDisabled {
			n++
		}
	}
	if n >= s.TestTSSLimit {
		return fmt.Errorf("%w: %d TSS in TEST that are not DISABLED (lift with FISKALDESK_TEST_TSS_LIMIT=0)", ErrTSSLimit, n)
	}
	return nil
}

// Patch changes a TSS's state (and, when initializing, its description)
// and merges metadata. The same state again only merges metadata.
func (s *Service) Patch(ctx context.Context, c Caller, id, state, description string, descSet bool, metadata map[string]string) (*View, error) {
	if err := org.ValidateMetadata("metadata", metadata); err != nil {
		return nil, err
	}
	if descSet && !descriptionRe.MatchString(description) {
		return nil, &ValidationError{Field: "description", Msg: "up to 100 of A-Z a-z 0-9 space ' ( ) + , - . / : = ?"}
	}
	t, ctr, err := s.mutate(ctx, c, id, func(w *write) error {
		t := w.t
		if len(metadata) > 0 {
			t.Metadata = mergeMeta(t.Metadata, metadata)
			w.changed = true
		}
		if state == t.State || state == "" {
			if descSet && state != StateInitialized {
				return &ValidationError{Field: "description", Msg: "can be given only when initializing"}
			}
			return nil
		}
		if err := s.Faults.apply(ctx, t.OrgID, t.ID); err != nil {
			return err
		}
		w.changed = true
		switch {
		case t.State == StateCreated && state == StateUninitialized:
			// Deploying sets the TSS clock (the first signed log) and sets up
			// the secure element as the cloud's TSE does: its internal
			// client, the audit, the logging configuration, the start.
			if err := w.deploy(); err != nil {
				return err
			}
			t.State, t.TimeUninit, t.SealedPUK = StateUninitialized, w.now, nil
		case t.State == StateUninitialized && state == StateInitialized:
			if !s.admins.active(id, c.TokenID, s.now()) {
				return ErrAdminRequired
			}
			t.Description = description
			if !descSet || description == "" {
				t.Description = "fiskaldesk Sandbox TSS (" + id + ")"
			}
			if err := w.adminOp("initialize", true, tse.Field{Tag: 1, Value: []byte(t.Description)}); err != nil {
				return err
			}
			t.State, t.TimeInit = StateInitialized, w.now
		case (t.State == StateUninitialized || t.State == StateInitialized) && state == StateDisabled:
			if !s.admins.active(id, c.TokenID, s.now()) {
				return ErrAdminRequired
			}
			if err := w.adminOp("disableSecureElement", false, tse.Field{Tag: 1, Value: tse.IntBytes(uint64(w.now))}); err != nil {
				return err
			}
			t.State, t.TimeDisable = StateDisabled, w.now
			s.admins.endAll(id)
		default:
			return fmt.Errorf("%w: %s → %s", ErrIllegalStateChange, t.State, state)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t.view(ctr), nil
}

func mergeMeta(dst, src map[string]string) map[string]string {
	out := maps.Clone(dst)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, src)
	return out
}

// MergeMetadata merges m into a TSS's metadata and returns the result.
func (s *Service) MergeMetadata(ctx context.Context, c Caller, id string, m map[string]string) (map[string]string, error) {
	t, _, err := s.mutate(ctx, c, id, func(w *write) error {
		merged := mergeMeta(w.t.Metadata, m)
		if err := org.ValidateMetadata("metadata", merged); err != nil {
			return err
		}
		w.t.Metadata, w.changed = merged, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t.Metadata, nil
}

// ListFilter are the query parameters of the list endpoints (§3.2).
type ListFilter struct {
	States  []string
	OrderBy string
	Desc    bool
	Limit   int
	Offset  int
}

// eachOrgTSS calls fn with every TSS of c's acting org in c's env, after
// checking that c may see the org.
func (s *Service) eachOrgTSS(txn store.Tx, c Caller, fn func(*TSS, counters) error) error {
	if _, _, err := s.orgs.GetTx(txn, c.Viewer, c.ActingOrg); err != nil {
		return err
	}
	ids, err := store.IDs(txn, store.OrgTSSPrefix(c.ActingOrg))
	if err != nil {
		return err
	}
	for _, id := range ids {
		t, ctr, err := s.load(txn, c, id)
		if errors.Is(err, ErrTSSNotFound) {
			continue // another env
		}
		if err != nil {
			return err
		}
		if err := fn(t, ctr); err != nil {
			return err
		}
	}
	return nil
}

// List returns the TSS of c's acting org in c's env.
func (s *Service) List(c Caller, f ListFilter) ([]*View, int, error) {
	var out []*View
	err := s.st.View(func(txn store.Tx) error {
		return s.eachOrgTSS(txn, c, func(t *TSS, ctr counters) error {
			if len(f.States) == 0 || slices.Contains(f.States, t.State) {
				out = append(out, t.view(ctr))
			}
			return nil
		})
	})
	if err != nil {
		return nil, 0, err
	}
	key := func(v *View) string {
		switch f.OrderBy {
		case "description":
			return v.Description
		case "state":
			return v.State
		case "time_init":
			return fmt.Sprintf("%020d", v.TimeInit)
		case "time_disable":
			return fmt.Sprintf("%020d", v.TimeDisable)
		}
		return fmt.Sprintf("%020d", v.TimeCreation)
	}
	slices.SortStableFunc(out, func(a, b *View) int {
		r := cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.ID, b.ID))
		if f.Desc {
			return -r
		}
		return r
	})
	return paging.Page(out, f.Limit, f.Offset), len(out), nil
}
