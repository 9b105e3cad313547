package tss

import (
	"cmp"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
)

// Client states.
const (
	ClientRegistered   = "REGISTERED"
	ClientDeregistered = "DEREGISTERED"
)

// Client is the client resource (§3.3); the stored form adds "v".
type Client struct {
	ID           string            `json:"_id"`
	Type         string            `json:"_type"`
	Env          string            `json:"_env"`
	Version      string            `json:"_version"`
	SerialNumber string            `json:"serial_number"`
	State        string            `json:"state" enum:"REGISTERED,DEREGISTERED"`
	TSSID        string            `json:"tss_id"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	TimeCreation int64             `json:"time_creation"`
	TimeUpdate   int64             `json:"time_update,omitempty"`
}

type clientRecord struct {
	V int `json:"v"`
	Client
}

// Client serials: PrintableString without '/' and '_' (DSFinV-K keeps
// them splittable), 1–70 characters, no surrounding spaces.
var serialRe = regexp.MustCompile(`^[A-Za-z0-9 '()+,\-.:=?]{1,70}$`)

func validSerial(s string) bool {
	return serialRe.MatchString(s) && strings.TrimSpace(s) == s
}

func (s *Service) requireAdmin(c Caller, id string) error {
	if !s.admins.active(id, c.TokenID, s.now()) {
		return ErrAdminRequired
	}
	return nil
}

func signingState(t *TSS) error {
	switch t.State {
	case StateInitialized:
		return nil
	case StateDisabled:
		return ErrTSSDisabled
	}
	return ErrTSSNotInitialized
}

// CreateClient registers client clientID with serial on TSS tssID (admin).
// Repeating the same request returns the existing client; the same id on
// another TSS, or another serial, is ErrClientConflict.
func (s *Service) CreateClient(ctx context.Context, c Caller, tssID, clientID, serial string, metadata map[string]string) (*Client, error) {
	if !validSerial(serial) {
		return nil, ErrIllegalClientSerial
	}
	if err := org.ValidateMetadata("metadata", metadata); err != nil {
		return nil, err
	}
	var out *Client
	_, _, err := s.mutateAlone(ctx, c, tssID, func(w *write) error {
		// An identical repeat is answered from the store before anything else.
		var existing *clientRecord
		err := w.read(func(txn store.Tx) error {
			r, err := store.GetJSON[clientRecord](txn, store.ClientKey(clientID))
			if err == nil {
				existing = &r
			}
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
		if existing != nil {
			if existing.TSSID == tssID && existing.SerialNumber == serial {
				out = &existing.Client
				return nil
			}
			// The id is taken on a TSS c cannot see: 404 as for any object
			// of another tenant, not a 409 that confirms the id.
			if existing.TSSID != tssID {
				var seen bool
				if err := s.st.View(func(txn store.Tx) (err error) { seen, err = s.sees(txn, c, existing.TSSID); return err }); err != nil {
					return err
				}
				if !seen {
					return ErrClientNotFound
				}
			}
			return ErrClientConflict
		}
		if err := signingState(w.t); err != nil {
			return err
		}
		if err := s.requireAdmin(c, tssID); err != nil {
			return err
		}
		if err := s.Faults.apply(ctx, w.t.OrgID, tssID); err != nil {
			return err
		}
		if w.ctr.Client >= MaxClients {
			return ErrClientLimit
		}
		if err := w.adminOp("registerClient", true, tse.Field{Tag: 1, Value: []byte(serial)}); err != nil {
			return err
		}
		w.ctr.Client++
		cl := Client{ID: clientID, Type: "CLIENT", Env: w.t.Env, Version: Version, SerialNumber: serial, State: ClientRegistered,
			TSSID: tssID, Metadata: metadata, TimeCreation: w.now, TimeUpdate: w.now}
		if err := w.setJSON(store.ClientKey(clientID), clientRecord{V: 1, Client: cl}); err != nil {
			return err
		}
		w.set(store.TSSClientKey(tssID, clientID), nil)
		w.set(store.ClientSerialKey(tssID, serial), []byte(clientID))
		// Client ids are unique system-wide and serials per TSS; other TSS
		// run under other locks, so check again inside the transaction.
		w.checks = append(w.checks, func(txn store.Tx) error {
			if ok, err := store.Exists(txn, store.ClientKey(clientID)); err != nil || ok {
				return cmp.Or(err, ErrClientConflict)
			}
			if ok, err := store.Exists(txn, store.ClientSerialKey(tssID, serial)); err != nil || ok {
				return cmp.Or(err, ErrClientSerialTaken)
			}
			return nil
		})
		out = &cl
		return nil
	})
	return out, err
}

// UpdateClient registers or deregisters a client (admin) and merges metadata.
func (s *Service) UpdateClient(ctx context.Context, c Caller, tssID, clientID, state string, metadata map[string]string) (*Client, error) {
	if state != "" && state != ClientRegistered && state != ClientDeregistered {
		return nil, &ValidationError{Field: "state", Msg: "must be REGISTERED or DEREGISTERED"}
	}
	var out *Client
	_, _, err := s.mutate(ctx, c, tssID, func(w *write) error {
		var rec clientRecord
		err := w.read(func(txn store.Tx) (err error) {
			rec, err = store.GetJSON[clientRecord](txn, store.ClientKey(clientID))
			return err
		})
		if errors.Is(err, store.ErrNotFound) || (err == nil && rec.TSSID != tssID) {
			return ErrClientNotFound
		}
		if err != nil {
			return err
		}
		if len(metadata) > 0 {
			rec.Metadata = mergeMeta(rec.Metadata, metadata)
			if err := org.ValidateMetadata("metadata", rec.Metadata); err != nil {
				return err
			}
		}
		if state != "" && state != rec.State {
			if w.t.State == StateDisabled {
				return ErrTSSDisabled
			}
			if err := s.requireAdmin(c, tssID); err != nil {
				return err
			}
			event := "deregisterClient"
			if state == ClientRegistered {
				if w.ctr.Client >= MaxClients {
					return ErrClientLimit
				}
				event = "registerClient"
				w.ctr.Client++
			} else {
				w.ctr.Client--
			}
			if err := w.adminOp(event, true, tse.Field{Tag: 1, Value: []byte(rec.SerialNumber)}); err != nil {
				return err
			}
			rec.State = state
		}
		rec.TimeUpdate = w.now
		if err := w.setJSON(store.ClientKey(clientID), rec); err != nil {
			return err
		}
		out = &rec.Client
		return nil
	})
	return out, err
}

// GetClient returns a client of TSS tssID.
func (s *Service) GetClient(c Caller, tssID, clientID string) (*Client, error) {
	var out *Client
	err := s.st.View(func(txn store.Tx) error {
		if _, _, err := s.load(txn, c, tssID); err != nil {
			return err
		}
		r, err := store.GetJSON[clientRecord](txn, store.ClientKey(clientID))
		if errors.Is(err, store.ErrNotFound) || (err == nil && r.TSSID != tssID) {
			return ErrClientNotFound
		}
		out = &r.Client
		return err
	})
	return out, err
}

// ClientFilter are the client list's query parameters.
type ClientFilter struct {
	ListFilter
	SerialNumber string
	State        string
}

// ListClients lists the clients of TSS tssID, or of every TSS of c's
// acting org when tssID is "".
func (s *Service) ListClients(c Caller, tssID string, f ClientFilter) ([]*Client, int, error) {
	var out []*Client
	err := s.st.View(func(txn store.Tx) error {
		tssIDs, err := s.scope(txn, c, tssID)
		if err != nil {
			return err
		}
		for _, t := range tssIDs {
			ids, err := store.IDs(txn, store.TSSClientPrefix(t))
			if err != nil {
				return err
			}
			for _, id := range ids {
				r, err := store.GetJSON[clientRecord](txn, store.ClientKey(id))
				if err != nil {
					return err
				}
				if (f.SerialNumber == "" || r.SerialNumber == f.SerialNumber) && (f.State == "" || r.State == f.State) {
					cl := r.Client
					out = append(out, &cl)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortStableFunc(out, func(a, b *Client) int {
		r := cmp.Compare(a.TimeCreation, b.TimeCreation)
		if f.OrderBy == "serial_number" {
			r = cmp.Compare(a.SerialNumber, b.SerialNumber)
		}
		r = cmp.Or(r, cmp.Compare(a.ID, b.ID))
		if f.Desc {
			return -r
		}
		return r
	})
	return paging.Page(out, f.Limit, f.Offset), len(out), nil
}

// scope returns [tssID] after checking c may see it, or, for "", every
// TSS of c's acting org in c's env.
func (s *Service) scope(txn store.Tx, c Caller, tssID string) ([]string, error) {
	if tssID != "" {
		_, _, err := s.load(txn, c, tssID)
		return []string{tssID}, err
	}
	if _, _, err := s.orgs.GetTx(txn, c.Viewer, c.ActingOrg); err != nil {
		return nil, err
	}
	ids, err := store.IDs(txn, store.OrgTSSPrefix(c.ActingOrg))
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if _, _, err := s.load(txn, c, id); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}
