package tss

import (
	"sort"
	"strconv"
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
// end with today. Transactions are numbered in the order they start, under
// the TSS's writer, so a TSS's start times grow with the number; each day
// boundary is found by binary search over the numbers, which keeps this a
// few dozen reads per TSS at any size instead of a scan.
func (s *Service) Overview(c Caller, days int, now time.Time) (*Overview, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	first := today.AddDate(0, 0, -(days - 1))
	o := &Overview{TSSByState: map[string]int{StateCreated: 0, StateUninitialized: 0, StateInitialized: 0, StateDisabled: 0}}
	perDay := make([]uint64, days)
	err := s.st.View(func(txn store.Tx) error {
		return s.eachOrgTSS(txn, c, func(t *TSS, ctr counters) error {
			o.TSSByState[t.State]++
			o.Clients += int(ctr.Client)
			o.Transactions += ctr.Tx
			if ctr.Tx == 0 {
				return nil
			}
			// firstFrom(d) is the first number started at or after d.
			var lookErr error
			firstFrom := func(d time.Time) uint64 {
				n := sort.Search(int(ctr.Tx), func(i int) bool {
					h, err := resolveTx(txn, t.ID, strconv.Itoa(i+1))
					if err != nil {
						lookErr = err
						return true
					}
					return h.TimeStart >= d.Unix()
				})
				return uint64(n) + 1
			}
			prev := firstFrom(first)
			for i := range days {
				next := firstFrom(first.AddDate(0, 0, i+1))
				perDay[i] += next - prev
				prev = next
			}
			return lookErr
		})
	})
	if err != nil {
		return nil, err
	}
	for i, n := range perDay {
		o.PerDay = append(o.PerDay, DayCount{Day: first.AddDate(0, 0, i).Format(time.DateOnly), Transactions: n})
	}
	return o, nil
}
