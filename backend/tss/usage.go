package tss

import (
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Usage is what a TSS did in a period, read from its signed data.
type Usage struct {
	TSSID        string
	Env          string
	InUse        bool  // INITIALIZED at any time in the period
	Transactions int64 // started in the period
	Exports      int64 // completed in the period
}

// UsageIn counts a TSS's use in [from, to) (unix seconds) inside txn.
func UsageIn(txn store.Tx, tssID string, from, to int64) (Usage, error) {
	t, err := store.GetJSON[TSS](txn, store.TSSKey(tssID))
	if err != nil {
		return Usage{}, err
	}
	u := Usage{TSSID: tssID, Env: t.Env,
		InUse: t.TimeInit != 0 && t.TimeInit < to && (t.TimeDisable == 0 || t.TimeDisable >= from)}
	err = store.ScanKeys(txn, store.TxNumPrefix(tssID), func(k []byte) error {
		id, err := txn.Get(k)
		if err != nil {
			return err
		}
		h, err := store.GetJSON[txHead](txn, store.TxKey(tssID, string(id)))
		if err == nil && h.TimeStart >= from && h.TimeStart < to {
			u.Transactions++
		}
		return err
	})
	if err != nil {
		return u, err
	}
	err = store.ScanJSON(txn, store.ExportPrefix(tssID), func(e Export) error {
		if e.State == ExportCompleted && e.TimeEnd >= from && e.TimeEnd < to {
			u.Exports++
		}
		return nil
	})
	return u, err
}
