package tss

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// numbered is one transaction of a list source: its number and id.
type numbered struct {
	n  uint64
	id string
}

// source yields the transactions of one state in the page's number order:
// an index iterator (FINISHED, CANCELLED) or the sorted ACTIVE ones.
type source struct {
	it   store.Iterator
	list []numbered
	cur  numbered
	ok   bool
}

func (s *source) advance() error {
	if s.it == nil {
		s.ok = len(s.list) > 0
		if s.ok {
			s.cur, s.list = s.list[0], s.list[1:]
		}
		return nil
	}
	if s.ok {
		s.it.Next()
	}
	s.ok = s.it.Valid()
	if !s.ok {
		return nil
	}
	n, ok := store.ParseTxIndexNumber(s.it.Key())
	if !ok {
		return fmt.Errorf("transaction index key %q", s.it.Key())
	}
	v, err := s.it.Value()
	s.cur.n, s.cur.id = n, string(v)
	return err
}

// listTxByState is ListTx for one indexed TSS filtered by state, in number
// order: it merges the tx-end index of each final state asked for with the
// ACTIVE ones (at most MaxActiveTransactions) and reads only the page.
// The count needs no scan but of the CANCELLED index: FINISHED is
// transactions − active − cancelled. ok is false for a TSS without the
// index.
func (s *Service) listTxByState(c Caller, tssID string, f TxFilter) (out []*TxView, total int, ok bool, err error) {
	err = s.st.View(func(txn store.Tx) error {
		t, cnt, err := s.load(txn, c, tssID)
		if err != nil || !t.Indexed {
			return err
		}
		ok = true
		var srcs []*source
		defer func() {
			for _, src := range srcs {
				if src.it != nil {
					src.it.Close()
				}
			}
		}()
		cancelled := -1
		countCancelled := func() (int, error) {
			if cancelled < 0 {
				cancelled = 0
				err := store.ScanKeys(txn, store.TxEndPrefix(tssID, TxCancelled), func([]byte) error { cancelled++; return nil })
				if err != nil {
					return 0, err
				}
			}
			return cancelled, nil
		}
		seen := map[string]bool{}
		for _, st := range f.States {
			if seen[st] {
				continue
			}
			seen[st] = true
			switch st {
			case TxActive:
				src, err := activeSource(txn, tssID, f.Desc)
				if err != nil {
					return err
				}
				srcs = append(srcs, src)
				total += int(cnt.Active)
			case TxFinished, TxCancelled:
				n, err := countCancelled()
				if err != nil {
					return err
				}
				if st == TxCancelled {
					total += n
				} else {
					total += int(cnt.Tx) - int(cnt.Active) - n
				}
				it := txn.Iterate(store.IterOptions{Prefix: store.TxEndPrefix(tssID, st), Reverse: f.Desc, KeysOnly: true})
				srcs = append(srcs, &source{it: it})
			}
		}
		for _, src := range srcs {
			if err := src.advance(); err != nil {
				return err
			}
		}
		for i := 0; f.Limit > 0 && len(out) < f.Limit; i++ {
			// The sources hold disjoint sets; the next one is the lowest
			// number ascending, the highest descending.
			var best *source
			for _, src := range srcs {
				if !src.ok {
					continue
				}
				if best == nil || (f.Desc && src.cur.n > best.cur.n) || (!f.Desc && src.cur.n < best.cur.n) {
					best = src
				}
			}
			if best == nil {
				break
			}
			if i >= f.Offset {
				h, err := resolveTx(txn, tssID, best.cur.id)
				if err != nil {
					return err
				}
				v, err := latestView(txn, tssID, h)
				if err != nil {
					return err
				}
				out = append(out, v)
			}
			if err := best.advance(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, total, ok, err
}

func activeSource(txn store.Tx, tssID string, desc bool) (*source, error) {
	ids, err := store.IDs(txn, store.TxActivePrefix(tssID))
	if err != nil {
		return nil, err
	}
	list := make([]numbered, 0, len(ids))
	for _, id := range ids {
		h, err := store.GetJSON[txHead](txn, store.TxKey(tssID, id))
		if err != nil {
			return nil, err
		}
		list = append(list, numbered{h.Number, id})
	}
	slices.SortFunc(list, func(a, b numbered) int {
		if desc {
			a, b = b, a
		}
		return cmp.Compare(a.n, b.n)
	})
	return &source{list: list}, nil
}

// listTxByClient is ListTx for one indexed TSS and one client, in number
// order: the count comes from the client's per-state counts, the page from
// its tx-client keys. Without a state filter a page costs its offset in
// keys; with one, the client's transactions are read in order until the
// page is full.
func (s *Service) listTxByClient(c Caller, tssID string, f TxFilter) (out []*TxView, total int, ok bool, err error) {
	err = s.st.View(func(txn store.Tx) error {
		t, _, err := s.load(txn, c, tssID)
		if err != nil || !t.Indexed {
			return err
		}
		ok = true
		r, err := store.GetJSON[clientRecord](txn, store.ClientKey(f.ClientID))
		if errors.Is(err, store.ErrNotFound) || (err == nil && r.TSSID != tssID) {
			return ErrClientNotFound
		}
		if err != nil {
			return err
		}
		states := f.States
		if len(states) == 0 {
			states = []string{TxActive, TxFinished, TxCancelled}
		}
		counted := map[string]bool{}
		for _, st := range states {
			if counted[st] {
				continue
			}
			counted[st] = true
			n, err := store.GetU64(txn, store.TxCountKey(tssID, f.ClientID, st))
			if err != nil {
				return err
			}
			total += int(n)
		}
		it := txn.Iterate(store.IterOptions{Prefix: store.TxClientPrefix(tssID, f.ClientID), Reverse: f.Desc, KeysOnly: true})
		defer it.Close()
		for skipped := 0; it.Valid() && len(out) < f.Limit; it.Next() {
			if len(f.States) == 0 && skipped < f.Offset {
				skipped++ // skipping needs the key only
				continue
			}
			id, err := it.Value()
			if err != nil {
				return err
			}
			h, err := resolveTx(txn, tssID, string(id))
			if err != nil {
				return err
			}
			if len(f.States) > 0 && !slices.Contains(f.States, h.State) {
				continue
			}
			if skipped < f.Offset {
				skipped++
				continue
			}
			v, err := latestView(txn, tssID, h)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, total, ok, err
}
