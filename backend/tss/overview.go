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
//
// What only changes with a commit that moves the store's generation —
// which TSS an organization has, their states, their closed days — comes
// from figureCache; the counters, which every signature changes, are read
// each time: one key per TSS.
func (s *Service) Figures(orgIDs []string, env string, days int, now time.Time) ([]Figures, error) {
	first := store.DayOf(FirstDay(now, days).Unix())
	last := first + uint32(days) - 1
	out := make([]Figures, len(orgIDs))
	gen := s.st.Generation() // before the snapshot: see store.Generation
	err := s.st.View(func(txn store.Tx) error {
		for i, orgID := range orgIDs {
			f := &out[i]
			f.TSSByState, f.PerDay = newStateCounts(), make([]uint64, days)
			of, err := s.figures.org(txn, gen, orgID, env, first)
			if err != nil {
				return err
			}
			for _, t := range of.tss {
				ctr, err := store.GetTSSCounters(txn, t.id)
				if err != nil {
					return err
				}
				f.TSS++
				f.TSSByState[t.state]++
				f.Clients += uint64(ctr.Client)
				f.Transactions += ctr.Tx
				if ctr.Day >= first && ctr.Day <= last {
					f.PerDay[ctr.Day-first] += uint64(ctr.DayTx)
				}
				f.LastActivity = max(f.LastActivity, ctr.LastLog)
			}
			for _, d := range of.closed {
				if d.day >= first && d.day <= last {
					f.PerDay[d.day-first] += d.count
				}
			}
			f.Today = f.PerDay[days-1]
		}
		return nil
	})
	return out, err
}

// figureCache keeps, for one store generation, what a rollup needs of an
// organization's TSS besides their counters. Reading it anew per request
// was the rollup's cost at scale: a thousand key walks (the org's TSS,
// then each TSS's closed days) and a thousand decoded TSS records, 70–145
// ms per request at 10M transactions (docs/BENCHMARKS.md). Every write it
// depends on moves the generation: TSS records and their org index are
// not signing data, and neither is a closed day (tss-day/ is written once,
// when the day after it starts). So an entry is never older than the
// store, and the counters read beside it fit it.
type figureCache struct {
	mu   sync.Mutex
	gen  uint64
	orgs map[orgEnv]*orgFigures
}

type orgEnv struct{ org, env string }

// orgFigures is one organization's TSS in one env and the sums of their
// closed days from day from on.
type orgFigures struct {
	tss    []figureTSS
	from   uint32
	closed []dayCount
}

type figureTSS struct{ id, state string }

type dayCount struct {
	day   uint32
	count uint64
}

// org returns orgID's entry for env with its closed days from day first
// on, from the cache while the generation read before txn's snapshot is
// the cache's, else read in txn and kept.
func (c *figureCache) org(txn store.Tx, gen uint64, orgID, env string, first uint32) (*orgFigures, error) {
	k := orgEnv{orgID, env}
	c.mu.Lock()
	if c.gen != gen || c.orgs == nil {
		c.gen, c.orgs = gen, map[orgEnv]*orgFigures{}
	}
	of := c.orgs[k]
	c.mu.Unlock()
	if of != nil && of.from <= first {
		return of, nil
	}
	of, err := readOrgFigures(txn, orgID, env, first)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.orgs[k] = of
	}
	c.mu.Unlock()
	return of, nil
}

// readOrgFigures reads orgID's TSS in env from its index (their records
// only for entries from before store format 4) and adds up their closed
// days from day from on.
func readOrgFigures(txn store.Tx, orgID, env string, from uint32) (*orgFigures, error) {
	of := &orgFigures{from: from}
	sums := map[uint32]uint64{}
	err := store.EachOrgTSS(txn, orgID, func(id, tssEnv, state string) error {
		if tssEnv == "" {
			t, err := store.GetJSON[struct {
				Env   string `json:"env"`
				State string `json:"state"`
			}](txn, store.TSSKey(id))
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			tssEnv, state = t.Env, t.State
		}
		if tssEnv != env {
			return nil
		}
		of.tss = append(of.tss, figureTSS{id: id, state: state})
		return store.EachTSSDay(txn, id, from, func(day, count uint32) bool {
			sums[day] += uint64(count)
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	for day, n := range sums {
		of.closed = append(of.closed, dayCount{day, n})
	}
	return of, nil
}
