package tss

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// CheckSummary is what CheckStore looked at.
type CheckSummary struct {
	TSS, Logs, Transactions uint64
}

// CheckStore verifies, for every TSS in the store, that its counters say
// what its keys hold (fiskaldesk doctor): logs 1…signature counter without
// gap, transactions 1…transaction counter each with its head and every
// revision, the ACTIVE ones and the registered clients counted right, and
// for indexed TSS every ended transaction under its state, every one
// under its client, the per-client counts equal to what is there. Each
// disagreement is passed to problem; err is only for failed reads.
func CheckStore(tx store.Tx, problem func(string)) (CheckSummary, error) {
	var sum CheckSummary
	err := store.ScanJSON(tx, store.TSSPrefix(), func(t TSS) error {
		sum.TSS++
		p := func(format string, a ...any) { problem(fmt.Sprintf("TSS %s: ", t.ID) + fmt.Sprintf(format, a...)) }
		ctr, err := store.GetTSSCounters(tx, t.ID)
		if err != nil {
			p("%v", err)
			return nil
		}
		env, state, err := store.GetOrgTSS(tx, t.OrgID, t.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			p("missing from the index of organization %s", t.OrgID)
		case err != nil:
			return err
		case env != "" && (env != t.Env || state != t.State):
			// Empty: written before store format 4 by a peer; the record decides.
			p("the index of organization %s says %s %s, the record %s %s", t.OrgID, env, state, t.Env, t.State)
		}
		// Logs: exactly 1…Sig.
		var n uint64
		err = store.ScanKeys(tx, store.LogPrefix(t.ID), func(k []byte) error {
			n++
			if got := binary.BigEndian.Uint64(k[len(k)-8:]); got != n {
				p("log %d follows log %d: %d missing", got, n-1, got-n)
				n = got
			}
			return nil
		})
		if err != nil {
			return err
		}
		sum.Logs += n
		if n != ctr.Sig {
			p("signature counter %d, last log %d", ctr.Sig, n)
		}
		// Transaction numbers: exactly 1…Tx, each naming its head.
		n = 0
		err = store.ScanKeys(tx, store.TxNumPrefix(t.ID), func(k []byte) error {
			n++
			if got := binary.BigEndian.Uint64(k[len(k)-8:]); got != n {
				p("transaction number %d follows %d", got, n-1)
				n = got
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n != ctr.Tx {
			p("transaction counter %d, last number %d", ctr.Tx, n)
		}
		// Heads: revisions, the ACTIVE index, the list indexes.
		var heads, active uint64
		count := map[string]uint64{} // "<client>/<state>"
		err = store.ScanJSON(tx, store.TxPrefix(t.ID), func(h txHead) error {
			heads++
			if id, err := tx.Get(store.TxNumKey(t.ID, h.Number)); err != nil || string(id) != h.ID {
				p("transaction %s (number %d) is not under its number", h.ID, h.Number)
			}
			for r := uint32(1); r <= h.LatestRevision; r++ {
				if ok, err := store.Exists(tx, store.TxRevKey(t.ID, h.ID, r)); err != nil {
					return err
				} else if !ok {
					p("transaction %s lacks revision %d of %d", h.ID, r, h.LatestRevision)
				}
			}
			isActive, err := store.Exists(tx, store.TxActiveKey(t.ID, h.ID))
			if err != nil {
				return err
			}
			if isActive != (h.State == TxActive) {
				p("transaction %s is %s but %s the ACTIVE index", h.ID, h.State, map[bool]string{true: "in", false: "not in"}[isActive])
			}
			if h.State == TxActive {
				active++
			}
			if !t.Indexed {
				return nil
			}
			count[h.ClientID+"/"+h.State]++
			if h.State != TxActive {
				if id, err := tx.Get(store.TxEndKey(t.ID, h.State, h.Number)); err != nil || string(id) != h.ID {
					p("transaction %d is missing from the %s index", h.Number, h.State)
				}
			}
			if id, err := tx.Get(store.TxClientKey(t.ID, h.ClientID, h.Number)); err != nil || string(id) != h.ID {
				p("transaction %d is missing from its client's index", h.Number)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sum.Transactions += heads
		if heads != ctr.Tx {
			p("transaction counter %d, %d transactions", ctr.Tx, heads)
		}
		if active != uint64(ctr.Active) {
			p("%d ACTIVE transactions counted, %d there", ctr.Active, active)
		}
		for k, want := range count {
			var client, state string
			for i := range k {
				if k[i] == '/' {
					client, state = k[:i], k[i+1:]
				}
			}
			if got, err := store.GetU64(tx, store.TxCountKey(t.ID, client, state)); err != nil || got != want {
				p("count of client %s in %s: %d, there are %d", client, state, got, want)
			}
		}
		// Registered clients.
		var registered uint32
		err = store.ScanKeys(tx, store.TSSClientPrefix(t.ID), func(k []byte) error {
			c, err := store.GetJSON[clientRecord](tx, store.ClientKey(store.LastSegment(k)))
			if err != nil {
				p("client %s of the index is gone", store.LastSegment(k))
				return nil
			}
			if c.State == ClientRegistered {
				registered++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if registered != ctr.Client {
			p("%d registered clients counted, %d there", ctr.Client, registered)
		}
		return nil
	})
	return sum, err
}
