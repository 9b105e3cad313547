package tss

import (
	"errors"
	"sync"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Overview is what the dashboard's start page shows of an org's TSS in one
// env: how many in each state, their clients, and the transactions of the
// last days.
type Overview struct {
	TSSByState   map[string]int `json:"tss_by_state"`
	Clients      int            `json:"registered_clients"`
	Transactions uint64         `json:"transactions"`
	PerDay       []DayCount     `json:"transactions_per_day"`
}

// DayCount is the number of transactions started on one UTC day.
type DayCount struct {
	Day          string `json:"day"` // YYYY-MM-DD
	Transactions uint64 `json:"transactions"`
}

// Overview counts for c's acting org and env over the days UTC days that
// end with today, from the TSS counters (no transaction is read).
func (s *Service) Overview(c Caller, days int, now time.Time) (*Overview, error) {
	first := FirstDay(now, days)
	o := &Overview{TSSByState: newStateCounts()}
	perDay := make([]uint64, days)
	err := s.st.View(func(txn store.Tx) error {
		return s.eachOrgTSS(txn, c, func(t *TSS, ctr counters) error {
			o.TSSByState[t.State]++
			o.Clients += int(ctr.Client)
			o.Transactions += ctr.Tx
			return addPerDay(txn, t.ID, ctr, first, perDay)
		})
	})
	if err != nil {
		return nil, err
	}
	o.PerDay = DayCounts(first, perDay)
	return o, nil
}

func newStateCounts() map[string]int {
	return map[string]int{StateCreated: 0, StateUninitialized: 0, StateInitialized: 0, StateDisabled: 0}
}

// FirstDay is the start of the first of the days UTC days ending with now's.
func FirstDay(now time.Time, days int) time.Time {
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
}

// DayCounts labels the counts of consecutive days from first.
func DayCounts(first time.Time, perDay []uint64) []DayCount {
	out := make([]DayCount, 0, len(perDay))
	for i, n := range perDay {
		out = append(out, DayCount{Day: first.AddDate(0, 0, i).Format(time.DateOnly), Transactions: n})
	}
	return out
}

// addPerDay adds the transactions of TSS id started on each day from first
// to perDay, from its day counters (store.AddTSSDays): a short key walk per
// TSS however many transactions it has.
func addPerDay(txn store.Tx, id string, ctr counters, first time.Time, perDay []uint64) error {
	return store.AddTSSDays(txn, id, ctr, store.DayOf(first.Unix()), perDay)
}

// Figures are the counts of one organization's TSS in one env, as the
// dashboard's overview of many organizations shows them per organization.
type Figures struct {
	TSS          int            `json:"tss"`
	TSSByState   map[string]int `json:"tss_by_state"`
	Clients      uint64         `json:"clients"`
	Transactions uint64         `json:"transactions"`
	// Today counts the transactions started on the current UTC day.
	Today uint64 `json:"today"`
	// LastActivity is the time of the last transaction log (Unix seconds); 0 without any.
	LastActivity int64 `json:"last_activity"`
	// PerDay counts the transactions started on each of the days asked for.
	PerDay []uint64 `json:"-"`
}

// Figures returns, for each of orgIDs, the figures of its TSS in env over
// the days UTC days that end with now's. The ids must be organizations the
// asker may see: the caller got them from org.Service.List.
func (s *Service) Figures(orgIDs []string, env string, days int, now time.Time) ([]Figures, error) {
	first := FirstDay(now, days)
	out := make([]Figures, len(orgIDs))
	gen := s.st.Generation() // before the snapshot: see store.Generation
	err := s.st.View(func(txn store.Tx) error {
		for i, orgID := range orgIDs {
			f := &out[i]
			f.TSSByState, f.PerDay = newStateCounts(), make([]uint64, days)
			ids, err := store.IDs(txn, store.OrgTSSPrefix(orgID))
			if err != nil {
				return err
			}
			for _, id := range ids {
				t, ok, err := s.figureMeta(txn, gen, id)
				if err != nil {
					return err
				}
				if !ok || t.Env != env {
					continue
				}
				ctr, err := store.GetTSSCounters(txn, id)
				if err != nil {
					return err
				}
				f.TSS++
				f.TSSByState[t.State]++
				f.Clients += uint64(ctr.Client)
				f.Transactions += ctr.Tx
				if err := addPerDay(txn, id, ctr, first, f.PerDay); err != nil {
					return err
				}
				f.LastActivity = max(f.LastActivity, ctr.LastLog)
			}
			f.Today = f.PerDay[days-1]
		}
		return nil
	})
	return out, err
}

// tssMeta is what Figures needs of a TSS record besides its counters.
type tssMeta struct{ Env, State string }

// figureCache keeps tssMeta per TSS for one store generation. A rollup
// over a thousand customers read and decoded a thousand whole TSS records
// (certificate, sealed key and all) for two words each: two thirds of its
// time. A TSS record's change moves the generation (it is not signing
// data), so an entry is never older than the record.
type figureCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]tssMeta
}

// figureMeta returns the env and state of TSS id, from the cache while
// the generation read before txn's snapshot is the cache's; ok is false
// for a TSS that no longer exists.
func (s *Service) figureMeta(txn store.Tx, gen uint64, id string) (tssMeta, bool, error) {
	c := &s.figures
	c.mu.Lock()
	if c.gen != gen || c.m == nil {
		c.gen, c.m = gen, map[string]tssMeta{}
	}
	m, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return m, true, nil
	}
	t, err := store.GetJSON[TSS](txn, store.TSSKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return tssMeta{}, false, nil
	}
	if err != nil {
		return tssMeta{}, false, err
	}
	m = tssMeta{Env: t.Env, State: t.State}
	c.mu.Lock()
	if c.gen == gen {
		c.m[id] = m
	}
	c.mu.Unlock()
	return m, true, nil
}
