package billing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// OrgUsage is an organization's usage in a month, per env.
type OrgUsage struct {
	OrganizationID string     `json:"organization_id"`
	Name           string     `json:"name"`
	Month          string     `json:"month"`
	ManagedOrgs    int        `json:"managed_organizations"`
	TSS            []TSSUsage `json:"tss" nullable:"false"`
	Type           string     `json:"_type"`
}

// TSSUsage is one TSS in a usage report.
type TSSUsage struct {
	TSSID        string `json:"tss_id"`
	Env          string `json:"env"`
	InUse        bool   `json:"in_use"`
	Transactions int64  `json:"transactions"`
	Exports      int64  `json:"exports"`
}

func usageTx(txn store.Tx, o *org.Organization, m Month) (OrgUsage, error) {
	u := OrgUsage{OrganizationID: o.ID, Name: o.Name, Month: m.String(), Type: "USAGE", TSS: []TSSUsage{}}
	ids, err := store.IDs(txn, store.OrgTSSPrefix(o.ID))
	if err != nil {
		return u, err
	}
	for _, id := range ids {
		t, err := tss.UsageIn(txn, id, m.Start(), m.End())
		if err != nil {
			return u, err
		}
		if t.InUse || t.Transactions > 0 || t.Exports > 0 {
			u.TSS = append(u.TSS, TSSUsage{TSSID: id, Env: t.Env, InUse: t.InUse, Transactions: t.Transactions, Exports: t.Exports})
		}
	}
	children, err := store.IDs(txn, store.OrgChildPrefix(o.ID))
	u.ManagedOrgs = len(children)
	return u, err
}

// Usage returns an organization's usage in month m.
func (s *Service) Usage(v org.Viewer, orgID string, m Month) (*OrgUsage, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	var u OrgUsage
	err := s.st.View(func(txn store.Tx) error {
		o, _, err := s.orgs.GetTx(txn, v, orgID)
		if err != nil {
			return err
		}
		u, err = usageTx(txn, o, m)
		return err
	})
	return &u, err
}

// payer follows who pays for an org's use in month m: its
// bill_to_organization, else its parent for a managed org, else its
// administrator when it withholds billing, else itself — and on along the
// chain, so a branch of a holding that bills its reseller ends at the
// reseller. "" means nobody: the use is not billed.
func (s *Service) payer(txn store.Tx, id string, m Month) (string, error) {
	seen := map[string]bool{}
	for cur := id; ; {
		if seen[cur] {
			return "", nil // a cycle of bill_to: nobody pays
		}
		seen[cur] = true
		o, err := s.orgs.Raw(txn, cur)
		if errors.Is(err, org.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		opts, err := optionsIn(txn, cur, m)
		if err != nil {
			return "", err
		}
		var next string
		switch {
		case opts.BillToOrganization != "" && opts.BillToOrganization != cur:
			next = opts.BillToOrganization
		case o.ManagedBy != "":
			next = o.ManagedBy
		case opts.WithholdBilling:
			next = o.AdministeredBy
		default:
			return cur, nil
		}
		if next == "" {
			return "", nil
		}
		cur = next
	}
}

// Line is one invoice line. Amounts in cents; TEST use is listed unbilled.
type Line struct {
	OrganizationID   string `json:"organization_id"`
	OrganizationName string `json:"organization_name"`
	TSSID            string `json:"tss_id,omitempty"`
	Env              string `json:"env"`
	Kind             string `json:"kind" enum:"tss_month,transactions,exports"`
	Description      string `json:"description"`
	Quantity         int64  `json:"quantity"`
	UnitPrice        int64  `json:"unit_price"`
	Amount           int64  `json:"amount"`
	Billed           bool   `json:"billed"`
}

// Invoice is one paying org's bill for one month.
type Invoice struct {
	V                int      `json:"v,omitempty"`
	ID               string   `json:"_id"`
	Type             string   `json:"_type"`
	Number           string   `json:"number,omitempty"` // given when issued, gapless
	State            string   `json:"state" enum:"draft,issued"`
	OrganizationID   string   `json:"organization_id"` // the payer
	OrganizationName string   `json:"organization_name"`
	Address          *Address `json:"billing_address,omitempty"`
	Month            string   `json:"month"`
	Currency         string   `json:"currency"`
	Lines            []Line   `json:"lines" nullable:"false"`
	Net              int64    `json:"net"`
	VatRate          string   `json:"vat_rate"`
	Vat              int64    `json:"vat"`
	Gross            int64    `json:"gross"`
	CreatedAt        int64    `json:"created_at"`
	IssuedAt         int64    `json:"issued_at,omitempty"`
}

// lines prices one org's usage.
func lines(u OrgUsage, p PriceList) []Line {
	var out []Line
	for _, t := range u.TSS {
		billed := t.Env == org.EnvLive
		add := func(kind, desc string, qty, unit, amount int64) {
			if qty == 0 {
				return
			}
			if !billed {
				amount = 0
				desc += " – TEST, nicht berechnet"
			}
			out = append(out, Line{OrganizationID: u.OrganizationID, OrganizationName: u.Name, TSSID: t.TSSID, Env: t.Env, Kind: kind,
				Description: desc, Quantity: qty, UnitPrice: unit, Amount: amount, Billed: billed})
		}
		if t.InUse {
			add("tss_month", "TSS in Betrieb", 1, p.TSSPerMonth, p.TSSPerMonth)
		}
		if extra := t.Transactions - p.IncludedTransactions; extra > 0 {
			add("transactions", fmt.Sprintf("%d Transaktionen, %d inklusive", t.Transactions, p.IncludedTransactions), extra, p.Per1000Transactions,
				(extra*p.Per1000Transactions+500)/1000)
		}
		add("exports", "TSE-Exporte", t.Exports, p.PerExport, t.Exports*p.PerExport)
	}
	return out
}

// Generate computes the draft invoices of month m for every paying
// organization (issued invoices stay as they are) and returns how many
// drafts it wrote. Only the price-list owner may run it.
func (s *Service) Generate(ctx context.Context, v org.Viewer, m Month) (int, error) {
	if err := s.priceOwner(v); err != nil {
		return 0, err
	}
	prices, err := s.Prices(v)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.st.Update(ctx, func(txn store.Tx) error {
		n = 0
		byPayer := map[string][]Line{}
		if err := store.ScanJSON(txn, store.OrgPrefix(), func(o org.Organization) error {
			u, err := usageTx(txn, &o, m)
			if err != nil || len(u.TSS) == 0 {
				return err
			}
			p, err := s.payer(txn, o.ID, m)
			if err != nil || p == "" {
				return err
			}
			byPayer[p] = append(byPayer[p], lines(u, *prices)...)
			return nil
		}); err != nil {
			return err
		}
		for payer, ls := range byPayer {
			if len(ls) == 0 {
				continue
			}
			old, err := store.GetJSON[Invoice](txn, store.InvoiceKey(payer, uint32(m)))
			if err == nil && old.State == "issued" {
				continue
			}
			o, err := s.orgs.Raw(txn, payer)
			if err != nil {
				return err
			}
			slices.SortStableFunc(ls, func(a, b Line) int {
				return cmp.Or(strings.Compare(a.OrganizationName, b.OrganizationName), strings.Compare(a.TSSID, b.TSSID))
			})
			inv := Invoice{V: 1, ID: cmp.Or(old.ID, uuid.NewString()), Type: "INVOICE", State: "draft", OrganizationID: payer, OrganizationName: o.Name,
				Month: m.String(), Currency: "EUR", Lines: ls, VatRate: "19", CreatedAt: s.now().Unix()}
			if o.BillingAddressID != "" {
				if a, err := store.GetJSON[Address](txn, store.BillAddrKey(o.BillingAddressID)); err == nil {
					inv.Address = &a
				}
			}
			for _, l := range ls {
				inv.Net += l.Amount
			}
			inv.Vat = (inv.Net*19 + 50) / 100
			inv.Gross = inv.Net + inv.Vat
			if err := store.PutJSON(txn, store.InvoiceKey(payer, uint32(m)), inv); err != nil {
				return err
			}
			if err := txn.Set(store.InvoiceIDKey(inv.ID), store.InvoiceRef(payer, uint32(m))); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// priceOwner: invoices are computed for every paying organization of the
// installation, so only its administrators generate and issue them.
func (s *Service) priceOwner(v org.Viewer) error {
	if !v.InstallAdmin {
		return ErrNotPriceOwner
	}
	return nil
}

func (s *Service) invoice(txn store.Tx, v org.Viewer, id string) (*Invoice, []byte, error) {
	ptr, err := txn.Get(store.InvoiceIDKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrInvoiceNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	payer, mm, ok := store.ParseInvoiceRef(ptr)
	if !ok {
		return nil, nil, fmt.Errorf("invoice %s: stored reference %q", id, ptr)
	}
	k := store.InvoiceKey(payer, mm)
	inv, err := store.GetJSON[Invoice](txn, k)
	if err != nil {
		return nil, nil, ErrInvoiceNotFound
	}
	// Only who may see the paying org sees its invoices.
	if _, _, err := s.orgs.GetTx(txn, v, payer); err != nil {
		return nil, nil, ErrInvoiceNotFound
	}
	return &inv, k, nil
}

// Invoice returns one invoice.
func (s *Service) Invoice(v org.Viewer, id string) (*Invoice, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	var inv *Invoice
	err := s.st.View(func(txn store.Tx) (err error) {
		inv, _, err = s.invoice(txn, v, id)
		return err
	})
	return inv, err
}

// Invoices lists the invoices of every paying org v can see.
func (s *Service) Invoices(v org.Viewer) ([]Invoice, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	orgs, _, err := s.orgs.List(v, org.ListFilter{Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	out := []Invoice{}
	err = s.st.View(func(txn store.Tx) error {
		for _, o := range orgs {
			if err := store.ScanJSON(txn, store.InvoicePrefix(o.ID), func(inv Invoice) error {
				out = append(out, inv)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Invoice) int {
		return cmp.Or(strings.Compare(b.Month, a.Month), strings.Compare(a.OrganizationName, b.OrganizationName))
	})
	return out, err
}

// Issue gives a draft the next invoice number, in the same transaction
// that stores it, so numbers have no gaps.
func (s *Service) Issue(ctx context.Context, v org.Viewer, id string) (*Invoice, error) {
	if err := s.priceOwner(v); err != nil {
		return nil, err
	}
	var inv *Invoice
	err := s.st.Update(ctx, func(txn store.Tx) error {
		var k []byte
		var err error
		if inv, k, err = s.invoice(txn, v, id); err != nil {
			return err
		}
		if inv.State == "issued" {
			return ErrInvoiceIssued
		}
		seq, err := store.AddU64(txn, store.InvoiceSeqKey(), 1)
		if err != nil {
			return err
		}
		inv.State, inv.Number, inv.IssuedAt = "issued", fmt.Sprintf("FD-%s-%06d", strings.ReplaceAll(inv.Month, "-", ""), seq), s.now().Unix()
		if err := store.PutJSON(txn, k, inv); err != nil {
			return err
		}
		return audit.Record(txn, inv.OrganizationID, v.Actor, "invoice.issue", "invoice", inv.ID, "number")
	})
	return inv, err
}
