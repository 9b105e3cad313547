package sync

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/fiskaldesk/fiskaldesk/backend/secret"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Workstation is a central instance's record of one paired workstation.
type Workstation struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CreatedAt  int64  `json:"created_at"`
	CreatedBy  string `json:"created_by,omitempty"`
	SecretHash string `json:"secret_hash,omitempty"`
	// Instance is the store id of the workstation that first used the
	// credential; another instance presenting it is refused.
	Instance   string `json:"instance,omitempty"`
	RevokedAt  int64  `json:"revoked_at,omitempty"`
	LastSeenAt int64  `json:"last_seen_at,omitempty"`
	// Cursor is the last outbox sequence of the workstation applied here.
	Cursor uint64 `json:"cursor"`
	// Entries counts the entries applied from it.
	Entries uint64 `json:"entries"`
	// TSS and Transactions: what it signs, as synced here (the central
	// view across every organization, whoever may see them).
	TSS          int    `json:"tss"`
	Transactions uint64 `json:"transactions"`
}

// Errors of the central side; api maps them to HTTP answers.
var (
	ErrBadCredential   = errors.New("invalid or revoked sync credential")
	ErrOtherInstance   = errors.New("this sync credential is paired with another workstation; issue a new one")
	ErrSelf            = errors.New("a fiskaldesk instance cannot sync with itself")
	ErrNotFound        = errors.New("workstation not found")
	ErrNameRequired    = errors.New("name: required, 1 to 100 characters")
	ErrNotPaired       = errors.New("this instance has no central instance to sync with; pair it first")
	ErrRemoteScheme    = errors.New("remote: use https:// (http:// only for 127.0.0.1, ::1 or localhost)")
	ErrCredentialShape = errors.New("credential: expected the fdsync_… value the central instance showed")
	ErrIsWorkstation   = errors.New("this instance is a workstation of a central instance; only the central pairs workstations")
	ErrIsCentral       = errors.New("this instance is a central instance with paired workstations; it cannot become a workstation")
)

// Service is sync on one instance: the central side (paired
// workstations, push and pull handlers) and the workstation side (remote,
// loop, status). Both may be unused.
type Service struct {
	st     *store.Store
	sealer *secret.Sealer
	log    zerolog.Logger
	now    func() time.Time

	mu    gosync.Mutex
	creds map[[32]byte]string // sha256 of a verified credential → workstation id

	ws workstationSide
}

// NewService builds the sync service over st; sealer protects the stored
// credential of a workstation.
func NewService(st *store.Store, sealer *secret.Sealer, log zerolog.Logger) *Service {
	s := &Service{st: st, sealer: sealer, log: log, now: time.Now, creds: map[[32]byte]string{}}
	s.ws.kick = make(chan struct{}, 1)
	return s
}

const credPrefix = "fdsync_"

// Pair issues a credential for a new workstation and makes this instance
// a central one (its organization data starts flowing to workstations).
// The credential is returned once; only its hash is kept.
func (s *Service) Pair(ctx context.Context, name, by string) (*Workstation, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, "", ErrNameRequired
	}
	if _, err := s.remote(); err == nil {
		return nil, "", ErrIsWorkstation
	}
	if err := s.st.SetOutboxMode(ctx, store.OutboxCentral); err != nil {
		return nil, "", err
	}
	if _, err := s.st.ContinueSnapshot(ctx); err != nil {
		return nil, "", fmt.Errorf("snapshot of organization data: %w", err)
	}
	w := &Workstation{ID: uuid.NewString(), Name: name, CreatedAt: s.now().Unix(), CreatedBy: by}
	tok := secret.Token62(40)
	w.SecretHash = secret.Hash(tok)
	err := s.st.Update(ctx, func(txn store.Tx) error {
		return store.PutJSON(txn, store.SyncWorkstationKey(w.ID), w)
	})
	if err != nil {
		return nil, "", err
	}
	w.SecretHash = ""
	return w, credPrefix + w.ID + "_" + tok, nil
}

// Workstations lists the paired workstations, newest first.
func (s *Service) Workstations() ([]Workstation, error) {
	var out []Workstation
	err := s.st.View(func(txn store.Tx) error {
		type signed struct {
			tss int
			tx  uint64
		}
		byInstance := map[string]*signed{}
		err := store.ScanKeys(txn, store.SyncOwnerPrefix(), func(k []byte) error {
			id, ok := store.ParseSyncOwnerKey(k)
			if !ok {
				return fmt.Errorf("sync owner key %q", k)
			}
			owner, err := txn.Get(k)
			if err != nil {
				return err
			}
			inst := hex.EncodeToString(owner)
			if byInstance[inst] == nil {
				byInstance[inst] = &signed{}
			}
			byInstance[inst].tss++
			ctr, err := store.GetTSSCounters(txn, id)
			if err != nil {
				return err
			}
			byInstance[inst].tx += ctr.Tx
			return nil
		})
		if err != nil {
			return err
		}
		return store.ScanJSON(txn, store.SyncWorkstationPrefix(), func(w Workstation) error {
			w.SecretHash = ""
			if sg := byInstance[w.Instance]; sg != nil {
				w.TSS, w.Transactions = sg.tss, sg.tx
			}
			if w.Instance != "" {
				cur, err := store.GetU64(txn, store.SyncPeerKey(w.Instance))
				if err != nil {
					return err
				}
				w.Cursor = cur
			}
			out = append(out, w)
			return nil
		})
	})
	// Keys are sync-ws/<random id>: their order is no age, so sort.
	slices.SortStableFunc(out, func(a, b Workstation) int {
		return cmp.Or(cmp.Compare(b.CreatedAt, a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// Workstation returns one paired workstation's record (without the
// totals Workstations adds up).
func (s *Service) Workstation(id string) (*Workstation, error) {
	var w Workstation
	err := s.st.View(func(txn store.Tx) (err error) {
		w, err = store.GetJSON[Workstation](txn, store.SyncWorkstationKey(id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	w.SecretHash = ""
	return &w, nil
}

// Revoke ends a workstation's credential; its synced data stays.
func (s *Service) Revoke(ctx context.Context, id string) error {
	err := s.st.Update(ctx, func(txn store.Tx) error {
		w, err := store.GetJSON[Workstation](txn, store.SyncWorkstationKey(id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if w.RevokedAt == 0 {
			w.RevokedAt = s.now().Unix()
		}
		return store.PutJSON(txn, store.SyncWorkstationKey(id), w)
	})
	s.mu.Lock()
	for k, v := range s.creds {
		if v == id {
			delete(s.creds, k)
		}
	}
	s.mu.Unlock()
	return err
}

// Authenticate checks a credential presented by instance (hex) and binds
// the credential to that instance on first use.
func (s *Service) Authenticate(ctx context.Context, credential, instance string) (*Workstation, error) {
	inst, err := parseInstance(instance)
	if err != nil {
		return nil, ErrBadCredential
	}
	if inst == s.st.Self() {
		return nil, ErrSelf
	}
	rest, ok := strings.CutPrefix(credential, credPrefix)
	id, tok, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 {
		return nil, ErrBadCredential
	}
	sum := sha256.Sum256([]byte(credential))
	s.mu.Lock()
	cached := s.creds[sum] == id
	s.mu.Unlock()
	var w Workstation
	err = s.st.View(func(txn store.Tx) (err error) {
		w, err = store.GetJSON[Workstation](txn, store.SyncWorkstationKey(id))
		return err
	})
	if err != nil || w.RevokedAt != 0 {
		return nil, ErrBadCredential
	}
	if !cached {
		// argon2id is slow on purpose; a verified credential is
		// remembered so that each batch does not pay for it again.
		if ok, _ := secret.Verify(w.SecretHash, tok); !ok {
			return nil, ErrBadCredential
		}
		s.mu.Lock()
		s.creds[sum] = id
		s.mu.Unlock()
	}
	if w.Instance != "" && w.Instance != instance {
		return nil, ErrOtherInstance
	}
	if w.Instance == "" {
		err := s.st.Update(ctx, func(txn store.Tx) error {
			cur, err := store.GetJSON[Workstation](txn, store.SyncWorkstationKey(id))
			if err != nil {
				return err
			}
			if cur.Instance != "" && cur.Instance != instance {
				return ErrOtherInstance
			}
			if other, err := txn.Get(store.SyncWorkstationByInstance(instance)); err == nil && string(other) != id {
				return ErrOtherInstance
			}
			cur.Instance = instance
			if err := txn.Set(store.SyncWorkstationByInstance(instance), []byte(id)); err != nil {
				return err
			}
			return store.PutJSON(txn, store.SyncWorkstationKey(id), cur)
		})
		if err != nil {
			return nil, err
		}
		w.Instance = instance
	}
	w.SecretHash = ""
	return &w, nil
}

func parseInstance(h string) (store.Instance, error) {
	var inst store.Instance
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != len(inst) {
		return inst, errors.New("instance: 32 hex digits")
	}
	copy(inst[:], b)
	return inst, nil
}

// Push applies a workstation's batch; the answer's Cursor is what the
// workstation may prune.
func (s *Service) Push(ctx context.Context, w *Workstation, entries []store.Entry) (store.ApplyResult, error) {
	inst, _ := parseInstance(w.Instance)
	for _, e := range entries {
		if e.Origin != inst {
			return store.ApplyResult{}, fmt.Errorf("%w: entry %d comes from another instance", ErrBadBatch, e.Seq)
		}
	}
	res, err := s.st.Apply(ctx, store.ApplyOptions{Peer: inst, Cursor: store.SyncPeerKey(w.Instance), Owned: true}, entries)
	if err != nil {
		return res, err
	}
	// Bookkeeping after the batch: losing it in a crash only makes
	// the status page lag; the cursor above is what counts.
	err = s.st.Update(ctx, func(txn store.Tx) error {
		cur, err := store.GetJSON[Workstation](txn, store.SyncWorkstationKey(w.ID))
		if err != nil {
			return err
		}
		cur.LastSeenAt = s.now().Unix()
		cur.Entries += uint64(res.Applied)
		return store.PutJSON(txn, store.SyncWorkstationKey(w.ID), cur)
	})
	return res, err
}

// Pull returns the central's organization changes after a sequence,
// without the ones that came from the asking workstation itself.
func (s *Service) Pull(w *Workstation, after uint64, limit int) ([]store.Frame, uint64, error) {
	inst, _ := parseInstance(w.Instance)
	return s.st.ReadOutbox(after, limit, BatchBytes, &inst)
}
