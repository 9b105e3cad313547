// Package rollup adds up what a reseller's organizations do: for every
// organization a user can see (or every one an organization administers),
// its TSS, clients, transactions and last activity, the totals over all of
// them and the transactions per day, from the TSS counters — never by
// reading transactions — so it stays fast with a thousand customers and
// millions of receipts.
package rollup

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/paging"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// Sort fields of the per-organization rows.
var SortFields = []string{"name", "tss", "clients", "transactions", "today", "last_activity"}

// Params select a rollup.
type Params struct {
	// Root, when set, narrows the rollup to that organization and the ones
	// it administers (its managed organizations, the main organizations
	// created with its key and theirs); else every organization visible.
	Root string
	// OnlyRoot leaves out the organizations Root administers: the figures
	// of one organization, for its own page.
	OnlyRoot bool
	Env      string
	// Days is the length of the per-day series, ending with Now's UTC day.
	Days int
	Now  time.Time
	// Search narrows the rows (not the totals) to names, display names,
	// towns and ids that contain it, case-insensitive.
	Search        string
	Sort          string
	Desc          bool
	Limit, Offset int
}

// Totals are the sums over every organization of the rollup.
type Totals struct {
	Organizations     int            `json:"organizations"`
	LiveOrganizations int            `json:"live_organizations"`
	TSS               int            `json:"tss"`
	TSSByState        map[string]int `json:"tss_by_state"`
	Clients           uint64         `json:"clients"`
	Transactions      uint64         `json:"transactions"`
	Today             uint64         `json:"today"`
	LastActivity      int64          `json:"last_activity"`
}

// Billing is who pays for an organization, for users who see billing.
type Billing struct {
	WithholdBilling bool   `json:"withhold_billing"`
	BillTo          string `json:"bill_to_organization,omitempty"`
	// BillToName is the paying organization's name when the user sees it.
	BillToName string `json:"bill_to_name,omitempty"`
}

// Row is one organization with its figures.
type Row struct {
	ID             string   `json:"_id"`
	Type           string   `json:"_type"`
	Envs           []string `json:"_envs"`
	Name           string   `json:"name"`
	DisplayName    string   `json:"display_name,omitempty"`
	Town           string   `json:"town,omitempty"`
	ManagedBy      string   `json:"managed_by_organization_id,omitempty"`
	AdministeredBy string   `json:"administered_by_organization_id,omitempty"`
	// ParentName names the managing organization, when the user sees it.
	ParentName string `json:"parent_name,omitempty"`
	HasLogo    bool   `json:"has_logo,omitempty"`
	UpdatedAt  int64  `json:"updated_at"`
	tss.Figures
	// Billing is absent for users who see no billing (their organizations withhold it).
	Billing *Billing `json:"billing,omitempty"`
}

// Rollup is the answer of GET /api/dashboard/rollup.
type Rollup struct {
	Type   string         `json:"_type"`
	Env    string         `json:"env"`
	Days   int            `json:"days"`
	Totals Totals         `json:"totals"`
	PerDay []tss.DayCount `json:"transactions_per_day"`
	// Data is one page of the rows that match Search, in the order asked;
	// Count is how many match.
	Data  []Row `json:"data"`
	Count int   `json:"count"`
}

// Services are what a rollup reads.
type Services struct {
	Orgs    *org.Service
	TSS     *tss.Service
	Billing *billing.Service
}

// Build computes the rollup for viewer v. A Root v does not see is
// org.ErrNotFound.
func (s Services) Build(v org.Viewer, p Params) (*Rollup, error) {
	visible, _, err := s.Orgs.List(v, org.ListFilter{OrderBy: "name", Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*org.Organization, len(visible))
	for _, o := range visible {
		byID[o.ID] = o
	}
	scope := visible
	if p.Root != "" {
		if byID[p.Root] == nil {
			return nil, org.ErrNotFound
		}
		scope = administeredBy(visible, p.Root)
		if p.OnlyRoot {
			scope = []*org.Organization{byID[p.Root]}
		}
	}
	ids := make([]string, len(scope))
	for i, o := range scope {
		ids[i] = o.ID
	}
	figs, err := s.TSS.Figures(ids, p.Env, p.Days, p.Now)
	if err != nil {
		return nil, err
	}
	hidden, err := s.Billing.Hidden(v)
	if err != nil {
		return nil, err
	}
	showBilling := !hidden
	r := &Rollup{Type: "ROLLUP", Env: p.Env, Days: p.Days, Totals: Totals{TSSByState: map[string]int{}}}
	perDay := make([]uint64, p.Days)
	rows := make([]Row, 0, len(scope))
	for i, o := range scope {
		f := figs[i]
		t := &r.Totals
		t.Organizations++
		if o.HasEnv(org.EnvLive) {
			t.LiveOrganizations++
		}
		t.TSS += f.TSS
		for st, n := range f.TSSByState {
			t.TSSByState[st] += n
		}
		t.Clients += f.Clients
		t.Transactions += f.Transactions
		t.Today += f.Today
		t.LastActivity = max(t.LastActivity, f.LastActivity)
		for d, n := range f.PerDay {
			perDay[d] += n
		}
		row := Row{ID: o.ID, Type: o.Type, Envs: o.Envs, Name: o.Name, DisplayName: o.DisplayName, Town: o.Town,
			ManagedBy: o.ManagedBy, AdministeredBy: o.AdministeredBy, HasLogo: o.HasLogo, UpdatedAt: o.UpdatedAt, Figures: f}
		if parent := byID[o.ManagedBy]; parent != nil {
			row.ParentName = parent.Name
		}
		if showBilling {
			b := &Billing{}
			if o.BillingOptions != nil {
				b.WithholdBilling, b.BillTo = o.BillingOptions.WithholdBilling, o.BillingOptions.BillToOrganization
				if payer := byID[b.BillTo]; payer != nil {
					b.BillToName = payer.Name
				}
			}
			row.Billing = b
		}
		if matches(o, p.Search) {
			rows = append(rows, row)
		}
	}
	r.PerDay = tss.DayCounts(tss.FirstDay(p.Now, p.Days), perDay)
	sortRows(rows, p.Sort, p.Desc)
	r.Count = len(rows)
	r.Data = paging.Page(rows, p.Limit, p.Offset)
	if r.Data == nil {
		r.Data = []Row{}
	}
	return r, nil
}

// administeredBy is root and every organization of visible it administers:
// its managed organizations, the main organizations created with its key
// (not handed over) and their managed organizations.
func administeredBy(visible []*org.Organization, root string) []*org.Organization {
	mains := map[string]bool{root: true}
	for _, o := range visible {
		if o.AdministeredBy == root {
			mains[o.ID] = true
		}
	}
	var out []*org.Organization
	for _, o := range visible {
		if mains[o.ID] || mains[o.ManagedBy] {
			out = append(out, o)
		}
	}
	return out
}

func matches(o *org.Organization, search string) bool {
	q := strings.ToLower(strings.TrimSpace(search))
	if q == "" {
		return true
	}
	for _, f := range []string{o.Name, o.DisplayName, o.Town, o.ID} {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// sortRows orders rows by field (name when empty), ties by name then id.
func sortRows(rows []Row, field string, desc bool) {
	by := func(a, b Row) int {
		switch field {
		case "tss":
			return cmp.Compare(a.TSS, b.TSS)
		case "clients":
			return cmp.Compare(a.Clients, b.Clients)
		case "transactions":
			return cmp.Compare(a.Transactions, b.Transactions)
		case "today":
			return cmp.Compare(a.Today, b.Today)
		case "last_activity":
			return cmp.Compare(a.LastActivity, b.LastActivity)
		}
		return 0
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		c := cmp.Or(by(a, b), strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
}
