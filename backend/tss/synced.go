package tss

import (
	"encoding/hex"
	"fmt"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// SyncedTSS is a TSS that reached this (central) instance by sync, for
// the installation's operator: which workstation signs it, for which
// organization, how far.
type SyncedTSS struct {
	ID               string `json:"_id"`
	Env              string `json:"_env"`
	State            string `json:"state"`
	OrganizationID   string `json:"organization_id"`
	OrganizationName string `json:"organization_name"`
	Signer           string `json:"signed_by_instance"`
	Transactions     uint64 `json:"transaction_counter"`
	Signatures       uint64 `json:"signature_counter"`
	Clients          uint32 `json:"number_registered_clients"`
}

// SyncedBy lists the TSS signed by instance (hex) that sync brought here,
// across every organization: the central view of one workstation. It is
// for installation administrators; the caller checks that.
func (s *Service) SyncedBy(instance string) ([]SyncedTSS, error) {
	out := []SyncedTSS{}
	err := s.st.View(func(txn store.Tx) error {
		return store.ScanKeys(txn, store.SyncOwnerPrefix(), func(k []byte) error {
			owner, err := txn.Get(k)
			if err != nil || hex.EncodeToString(owner) != instance {
				return err
			}
			id, ok := store.ParseSyncOwnerKey(k)
			if !ok {
				return fmt.Errorf("sync owner key %q", k)
			}
			t, err := store.GetJSON[TSS](txn, store.TSSKey(id))
			if err != nil {
				return err
			}
			ctr, err := store.GetTSSCounters(txn, id)
			if err != nil {
				return err
			}
			v := SyncedTSS{ID: id, Env: t.Env, State: t.State, OrganizationID: t.OrgID, Signer: instance,
				Transactions: ctr.Tx, Signatures: ctr.Sig, Clients: ctr.Client}
			if o, err := s.orgs.Raw(txn, t.OrgID); err == nil {
				v.OrganizationName = o.Name
			}
			out = append(out, v)
			return nil
		})
	})
	return out, err
}
