// Package billing holds billing options in time, billing addresses, the
// price list, usage metering derived from the signed data, and invoices —
// with the rule that an organization with withhold_billing never sees an
// invoice or a price.
package billing

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// PriceList is the installation's local price list; amounts in cents.
type PriceList struct {
	V        int    `json:"v,omitempty"`
	Currency string `json:"currency"`
	// TSSPerMonth is charged for every TSS in use (INITIALIZED at any time) in a month.
	TSSPerMonth int64 `json:"tss_per_month"`
	// IncludedTransactions per TSS and month are free.
	IncludedTransactions int64 `json:"included_transactions_per_tss"`
	// Per1000Transactions is charged per 1,000 transactions above the
	// quota, prorated and rounded half up to the cent.
	Per1000Transactions int64 `json:"per_1000_transactions"`
	// PerExport is charged for every completed TSE TAR export.
	PerExport int64  `json:"per_export"`
	Type      string `json:"_type"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
}

// DefaultPrices: 9.90 € per TSS and month with 10,000 transactions
// included, 1.00 € per 1,000 more, 0.50 € per export.
var DefaultPrices = PriceList{Currency: "EUR", TSSPerMonth: 990, IncludedTransactions: 10_000, Per1000Transactions: 100, PerExport: 50, Type: "PRICE_LIST"}

// Address is a billing address.
type Address struct {
	ID             string `json:"_id"`
	Type           string `json:"_type"`
	OrganizationID string `json:"organization_id"`
	CompanyName    string `json:"company_name"`
	AddressLine1   string `json:"address_line1"`
	AddressLine2   string `json:"address_line2,omitempty"`
	Zip            string `json:"zip"`
	Town           string `json:"town"`
	CountryCode    string `json:"country_code"`
	VatID          string `json:"vat_id,omitempty"`
	InvoiceEmail   string `json:"invoice_email,omitempty"`
	CreatedAt      int64  `json:"created_at"`
	UpdatedAt      int64  `json:"updated_at"`
}

var (
	// ErrHidden is every billing route for a viewer whose organization
	// withholds billing: 404, as if billing did not exist.
	ErrHidden          = errors.New("not found")
	ErrAddressNotFound = errors.New("billing address not found")
	ErrInvoiceNotFound = errors.New("invoice not found")
	ErrInvoiceIssued   = errors.New("the invoice is issued and cannot change")
	ErrNotPriceOwner   = errors.New("only installation administrators manage the price list and invoices")
)

var emailRe = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

// Service runs billing.
type Service struct {
	st   *store.Store
	orgs *org.Service
	now  func() time.Time
}

// NewService hooks the option history and the address check into org changes.
func NewService(st *store.Store, orgs *org.Service) *Service {
	s := &Service{st: st, orgs: orgs, now: time.Now}
	orgs.OnSave(s.onOrgSave)
	return s
}

// Month is a billing period as yyyymm.
type Month uint32

// ParseMonth reads "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, &org.ValidationError{Field: "month", Msg: "must be YYYY-MM"}
	}
	return MonthOf(t), nil
}

// MonthOf is the month of t (UTC).
func MonthOf(t time.Time) Month { t = t.UTC(); return Month(t.Year()*100 + int(t.Month())) }

// Start and End bound the month in unix seconds, End exclusive.
func (m Month) Start() int64 {
	return time.Date(int(m/100), time.Month(m%100), 1, 0, 0, 0, 0, time.UTC).Unix()
}
func (m Month) End() int64 {
	return time.Date(int(m/100), time.Month(m%100)+1, 1, 0, 0, 0, 0, time.UTC).Unix()
}
func (m Month) Next() Month { return MonthOf(time.Unix(m.End(), 0)) }
func (m Month) String() string {
	return fmt.Sprintf("%04d-%02d", m/100, m%100)
}

// onOrgSave records billing options effective from the creation month for
// a new org, from the next month for a change, and checks that a
// billing_address_id names an address the caller may use.
func (s *Service) onOrgSave(txn store.Tx, v org.Viewer, old, o *org.Organization) error {
	if o.BillingAddressID != "" && (old == nil || old.BillingAddressID != o.BillingAddressID) {
		a, err := store.GetJSON[Address](txn, store.BillAddrKey(o.BillingAddressID))
		if errors.Is(err, store.ErrNotFound) {
			return &org.ValidationError{Field: "billing_address_id", Msg: "no such billing address"}
		}
		if err != nil {
			return err
		}
		if _, _, err := s.orgs.GetTx(txn, v, a.OrganizationID); err != nil && a.OrganizationID != o.ID {
			return &org.ValidationError{Field: "billing_address_id", Msg: "no such billing address"}
		}
	}
	now := MonthOf(s.now())
	switch {
	case old == nil:
		return store.PutJSON(txn, store.BillOptKey(o.ID, uint32(now)), optsOf(o))
	case optsOf(old) != optsOf(o):
		if err := store.PutJSON(txn, store.BillOptKey(o.ID, uint32(now.Next())), optsOf(o)); err != nil {
			return err
		}
		return audit.Record(txn, o.ID, v.Actor, "billing_options.change", "organization", o.ID, "billing_options")
	}
	return nil
}

func optsOf(o *org.Organization) org.BillingOptions {
	if o.BillingOptions == nil {
		return org.BillingOptions{}
	}
	return *o.BillingOptions
}

// optionsIn returns the billing options of org in month m: the latest
// entry of the history at or before m.
func optionsIn(txn store.Tx, orgID string, m Month) (org.BillingOptions, error) {
	var out org.BillingOptions
	found := false
	err := store.ScanKeys(txn, store.BillOptPrefix(orgID), func(k []byte) error {
		_, month, ok := store.ParseBillOptKey(k)
		if !ok {
			return fmt.Errorf("billing options key %q", k)
		}
		if Month(month) > m {
			return errStop
		}
		v, err := store.GetJSON[org.BillingOptions](txn, append([]byte(nil), k...))
		out, found = v, true
		return err
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if !found && err == nil {
		// Created after m, or before the history existed: its current options.
		if o, e := store.GetJSON[struct {
			BillingOptions *org.BillingOptions `json:"billing_options"`
		}](txn, store.OrgKey(orgID)); e == nil && o.BillingOptions != nil {
			out = *o.BillingOptions
		}
	}
	return out, err
}

var errStop = errors.New("stop")

// visible narrows v to the roots through which it may see billing: those
// that do not withhold it. A viewer whose every organization withholds
// billing sees none (ErrHidden). A person who belongs to a paying vendor
// and also to a customer it withholds billing from (the vendor's user who
// set the customer up) still sees the vendor's billing, never through the
// customer.
func (s *Service) visible(v *org.Viewer) error {
	roots := make(map[string]org.Role, len(v.Roots))
	err := s.st.View(func(txn store.Tx) error {
		for id, role := range v.Roots {
			o, err := s.orgs.Raw(txn, id)
			if errors.Is(err, org.ErrNotFound) {
				continue // deleted since the viewer was resolved
			}
			if err != nil {
				return err
			}
			if o.BillingOptions == nil || !o.BillingOptions.WithholdBilling {
				roots[id] = role
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		return ErrHidden
	}
	v.Roots = roots
	return nil
}

// Hidden reports whether v sees no billing at all (every organization it
// belongs to withholds billing): the API answers 404 on every billing
// route then, before any other rule, so a withheld customer cannot tell
// that billing exists.
func (s *Service) Hidden(v org.Viewer) (bool, error) {
	err := s.visible(&v)
	if errors.Is(err, ErrHidden) {
		return true, nil
	}
	return false, err
}

// ---- price list ----

// Prices returns the price list.
func (s *Service) Prices(v org.Viewer) (*PriceList, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	p := DefaultPrices
	err := s.st.View(func(txn store.Tx) error {
		got, err := store.GetJSON[PriceList](txn, store.PriceListKey())
		if err == nil {
			p = got
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	return &p, err
}

// SetPrices replaces the price list of the installation; only its
// administrators may (the list prices every tenant's invoices).
func (s *Service) SetPrices(ctx context.Context, v org.Viewer, p PriceList) (*PriceList, error) {
	if !v.InstallAdmin {
		return nil, ErrNotPriceOwner
	}
	for name, val := range map[string]int64{"tss_per_month": p.TSSPerMonth, "included_transactions_per_tss": p.IncludedTransactions, "per_1000_transactions": p.Per1000Transactions, "per_export": p.PerExport} {
		if val < 0 || val > 100_000_000 {
			return nil, &org.ValidationError{Field: name, Msg: "must be 0 to 100000000"}
		}
	}
	p.V, p.Currency, p.Type, p.UpdatedAt = 1, "EUR", "PRICE_LIST", s.now().Unix()
	return &p, s.st.Update(ctx, func(txn store.Tx) error {
		if err := store.PutJSON(txn, store.PriceListKey(), p); err != nil {
			return err
		}
		for id := range v.Roots {
			if err := audit.Record(txn, id, v.Actor, "price_list.update", "price_list", "local", "prices"); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- billing addresses ----

func (a *Address) validate() error {
	switch {
	case a.CompanyName == "" || len(a.CompanyName) > 200:
		return &org.ValidationError{Field: "company_name", Msg: "is required (at most 200 characters)"}
	case a.AddressLine1 == "" || a.Zip == "" || a.Town == "":
		return &org.ValidationError{Field: "address_line1", Msg: "address_line1, zip and town are required"}
	case !org.ValidCountry(a.CountryCode):
		return &org.ValidationError{Field: "country_code", Msg: "must be ISO 3166-1 alpha-3, e.g. DEU"}
	case a.InvoiceEmail != "" && !emailRe.MatchString(a.InvoiceEmail):
		return &org.ValidationError{Field: "invoice_email", Msg: "is not an e-mail address"}
	}
	return nil
}

// CreateAddress stores a billing address of orgID.
func (s *Service) CreateAddress(ctx context.Context, v org.Viewer, orgID string, a Address) (*Address, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	if _, role, err := s.orgs.Get(v, orgID); err != nil {
		return nil, err
	} else if !role.AtLeast(org.RoleAdmin) {
		return nil, org.ErrForbidden
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	now := s.now().Unix()
	a.ID, a.Type, a.OrganizationID, a.CreatedAt, a.UpdatedAt = uuid.NewString(), "BILLING_ADDRESS", orgID, now, now
	return &a, s.st.Update(ctx, func(txn store.Tx) error {
		if err := store.PutJSON(txn, store.BillAddrKey(a.ID), a); err != nil {
			return err
		}
		if err := txn.Set(store.OrgBillAddrKey(orgID, a.ID), nil); err != nil {
			return err
		}
		return audit.Record(txn, orgID, v.Actor, "billing_address.create", "billing_address", a.ID)
	})
}

// Address returns a billing address of an org v can see.
func (s *Service) Address(v org.Viewer, id string, write bool) (*Address, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	var a Address
	err := s.st.View(func(txn store.Tx) (err error) {
		a, err = store.GetJSON[Address](txn, store.BillAddrKey(id))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrAddressNotFound
	}
	if err != nil {
		return nil, err
	}
	_, role, err := s.orgs.Get(v, a.OrganizationID)
	if err != nil {
		return nil, ErrAddressNotFound
	}
	if write && !role.AtLeast(org.RoleAdmin) {
		return nil, org.ErrForbidden
	}
	return &a, nil
}

// Addresses lists the billing addresses of every org v can see.
func (s *Service) Addresses(v org.Viewer) ([]Address, error) {
	if err := s.visible(&v); err != nil {
		return nil, err
	}
	orgs, _, err := s.orgs.List(v, org.ListFilter{Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	out := []Address{}
	err = s.st.View(func(txn store.Tx) error {
		for _, o := range orgs {
			ids, err := store.IDs(txn, store.OrgBillAddrPrefix(o.ID))
			if err != nil {
				return err
			}
			for _, id := range ids {
				a, err := store.GetJSON[Address](txn, store.BillAddrKey(id))
				if err != nil {
					return err
				}
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

// UpdateAddress replaces the fields of an address.
func (s *Service) UpdateAddress(ctx context.Context, v org.Viewer, id string, in Address) (*Address, error) {
	a, err := s.Address(v, id, true)
	if err != nil {
		return nil, err
	}
	in.ID, in.Type, in.OrganizationID, in.CreatedAt, in.UpdatedAt = a.ID, a.Type, a.OrganizationID, a.CreatedAt, s.now().Unix()
	if err := in.validate(); err != nil {
		return nil, err
	}
	return &in, s.st.Update(ctx, func(txn store.Tx) error {
		if err := store.PutJSON(txn, store.BillAddrKey(id), in); err != nil {
			return err
		}
		return audit.Record(txn, a.OrganizationID, v.Actor, "billing_address.update", "billing_address", id)
	})
}

// DeleteAddress removes an address no organization uses; one in use is
// refused with a ValidationError on billing_address.
func (s *Service) DeleteAddress(ctx context.Context, v org.Viewer, id string) error {
	a, err := s.Address(v, id, true)
	if err != nil {
		return err
	}
	return s.st.Update(ctx, func(txn store.Tx) error {
		// An organization naming it would be left naming nothing (and
		// would still count as billed for going LIVE). The user is not told
		// which one: it may be another tenant's since a hand-over.
		err := store.ScanJSON(txn, store.OrgPrefix(), func(o struct {
			BillingAddressID string `json:"billing_address_id"`
		}) error {
			if o.BillingAddressID == id {
				return &org.ValidationError{Field: "billing_address", Msg: "is the billing address of an organization; set that organization's billing_address_id to another address first"}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := txn.Delete(store.BillAddrKey(id)); err != nil {
			return err
		}
		if err := txn.Delete(store.OrgBillAddrKey(a.OrganizationID, id)); err != nil {
			return err
		}
		return audit.Record(txn, a.OrganizationID, v.Actor, "billing_address.delete", "billing_address", id)
	})
}
