package billing

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

// Billing rules beyond the happy path: the payer chain's dead ends,
// addresses in use, who sees what, price limits, invoice rights.

func (e *billingEnv) viewer(ids ...string) org.Viewer {
	v := org.Viewer{Actor: audit.System, Roots: map[string]org.Role{}}
	for _, id := range ids {
		v.Roots[id] = org.RoleOwner
	}
	return v
}

func (e *billingEnv) patch(v org.Viewer, id string, in org.Input) error {
	_, err := e.Orgs.Patch(e.Ctx, v, id, in)
	return err
}

func billTo(id string) org.Input {
	return org.Input{BillingOptions: org.Field[org.BillingOptions]{Set: true, V: org.BillingOptions{BillToOrganization: id}}}
}

func TestPayerDeadEnds(t *testing.T) {
	e := newBillingEnv(t)
	now := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	e.b.now = func() time.Time { return now }
	m := MonthOf(now)
	a := e.org("Org A", "", nil, "")
	b := e.org("Org B", "", nil, "")
	all := e.viewer(e.Org.ID, a.ID, b.ID)
	// A bills B and B bills A: a cycle, from next month on.
	if err := e.patch(all, a.ID, billTo(b.ID)); err != nil {
		t.Fatal(err)
	}
	if err := e.patch(all, b.ID, billTo(a.ID)); err != nil {
		t.Fatal(err)
	}
	if got := e.payer(a.ID, m); got != a.ID {
		t.Fatalf("this month A still pays itself, got %q", got)
	}
	if got := e.payer(a.ID, m.Next()); got != "" {
		t.Fatalf("a cycle of bill_to: %q pays", got)
	}
	// An org created with a key, withholding billing: its administrator pays.
	key := org.Viewer{Actor: audit.System, Roots: map[string]org.Role{e.Org.ID: org.RoleAdmin}, KeyOrgType: org.TypeOrganization}
	in := org.Input{Name: f("Kunde"), AddressLine1: f("Weg 1"), Zip: f("10115"), Town: f("Berlin"), CountryCode: f("DEU"),
		BillingOptions: org.Field[org.BillingOptions]{Set: true, V: org.BillingOptions{WithholdBilling: true}}}
	var cust *org.Organization
	if err := e.St.Update(e.Ctx, func(tx store.Tx) (err error) { cust, err = e.Orgs.CreateTx(tx, key, in); return err }); err != nil {
		t.Fatal(err)
	}
	if got := e.payer(cust.ID, m); got != e.Org.ID {
		t.Fatalf("withheld, administered: %q pays, want the administrator", got)
	}
	// Its branch: through the customer on to the administrator.
	branch := e.org("Kunde-Filiale", cust.ID, nil, "")
	if got := e.payer(branch.ID, m); got != e.Org.ID {
		t.Fatalf("the withheld customer's branch: %q pays", got)
	}
	// A bill_to naming itself is no bill_to.
	self := e.org("Selbst", "", nil, "")
	if err := e.patch(e.viewer(self.ID), self.ID, billTo(self.ID)); err != nil {
		t.Fatal(err)
	}
	if got := e.payer(self.ID, m.Next()); got != self.ID {
		t.Fatalf("bill_to itself: %q", got)
	}
}

func f(s string) org.Field[string] { return org.Field[string]{Set: true, V: s} }

func addr(name string) Address {
	return Address{CompanyName: name, AddressLine1: "Weg 1", Zip: "10115", Town: "Berlin", CountryCode: "DEU"}
}

func TestBillingAddressOfAnOrganization(t *testing.T) {
	e := newBillingEnv(t)
	owner := e.viewer(e.Org.ID)
	stranger := e.org("Fremd", "", nil, "")
	mine, err := e.b.CreateAddress(e.Ctx, owner, e.Org.ID, addr("Reseller GmbH"))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.b.CreateAddress(e.Ctx, e.viewer(stranger.ID), stranger.ID, addr("Fremd GmbH"))
	if err != nil {
		t.Fatal(err)
	}
	var ve *org.ValidationError
	cases := []struct {
		name string
		id   string
		ok   bool
	}{
		{"an unknown address", "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f", false},
		{"another tenant's address", theirs.ID, false},
		{"its own address", mine.ID, true},
	}
	for _, c := range cases {
		err := e.patch(owner, e.Org.ID, org.Input{BillingAddressID: f(c.id)})
		if c.ok != (err == nil) || (!c.ok && (!errors.As(err, &ve) || ve.Field != "billing_address_id")) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A managed org may use its parent's address.
	branch := e.org("Filiale", e.Org.ID, nil, "")
	if err := e.patch(owner, branch.ID, org.Input{BillingAddressID: f(mine.ID)}); err != nil {
		t.Fatalf("the parent's address for a branch: %v", err)
	}
	// An address in use is not deleted: the org would name nothing and
	// its invoices would lose the address.
	if err := e.b.DeleteAddress(e.Ctx, owner, mine.ID); !errors.As(err, &ve) || ve.Field != "billing_address" {
		t.Fatalf("deleting an address in use: %v", err)
	}
	if _, err := e.b.Address(owner, mine.ID, false); err != nil {
		t.Fatalf("the refused delete removed the address: %v", err)
	}
	for _, id := range []string{e.Org.ID, branch.ID} {
		if err := e.patch(owner, id, org.Input{BillingAddressID: org.Field[string]{Set: true, Null: true}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.b.DeleteAddress(e.Ctx, owner, mine.ID); err != nil {
		t.Fatalf("an address no longer used: %v", err)
	}
	_ = e.St.View(func(tx store.Tx) error {
		if ok, _ := store.Exists(tx, store.OrgBillAddrKey(e.Org.ID, mine.ID)); ok {
			t.Error("the org's index of the address is left")
		}
		return nil
	})
}

func TestUpdateAddressRules(t *testing.T) {
	e := newBillingEnv(t)
	owner := e.viewer(e.Org.ID)
	a, err := e.b.CreateAddress(e.Ctx, owner, e.Org.ID, addr("Alt GmbH"))
	if err != nil {
		t.Fatal(err)
	}
	member := org.Viewer{Actor: audit.System, Roots: map[string]org.Role{e.Org.ID: org.RoleMember}}
	if _, err := e.b.CreateAddress(e.Ctx, member, e.Org.ID, addr("X")); !errors.Is(err, org.ErrForbidden) {
		t.Fatalf("a member creating: %v", err)
	}
	if got, err := e.b.Address(member, a.ID, false); err != nil || got.CompanyName != "Alt GmbH" {
		t.Fatalf("a member reading: %+v %v", got, err)
	}
	if _, err := e.b.UpdateAddress(e.Ctx, member, a.ID, addr("Neu GmbH")); !errors.Is(err, org.ErrForbidden) {
		t.Fatalf("a member updating: %v", err)
	}
	if err := e.b.DeleteAddress(e.Ctx, member, a.ID); !errors.Is(err, org.ErrForbidden) {
		t.Fatalf("a member deleting: %v", err)
	}
	bad := addr("Neu GmbH")
	bad.CompanyName = strings.Repeat("x", 201)
	var ve *org.ValidationError
	if _, err := e.b.UpdateAddress(e.Ctx, owner, a.ID, bad); !errors.As(err, &ve) || ve.Field != "company_name" {
		t.Fatalf("201-character company name: %v", err)
	}
	// The id, owner org and creation time cannot be changed through the body.
	in := addr("Neu GmbH")
	in.ID, in.OrganizationID, in.CreatedAt, in.InvoiceEmail = "forged", "other-org", 1, "rechnung@example.com"
	got, err := e.b.UpdateAddress(e.Ctx, owner, a.ID, in)
	if err != nil || got.ID != a.ID || got.OrganizationID != e.Org.ID || got.CreatedAt != a.CreatedAt || got.CompanyName != "Neu GmbH" {
		t.Fatalf("updated %+v %v", got, err)
	}
	if stored, _ := e.b.Address(owner, a.ID, false); stored.CompanyName != "Neu GmbH" || stored.InvoiceEmail != "rechnung@example.com" {
		t.Fatalf("stored %+v", stored)
	}
	if _, err := e.b.UpdateAddress(e.Ctx, owner, "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f", in); !errors.Is(err, ErrAddressNotFound) {
		t.Fatalf("unknown address: %v", err)
	}
	entries, _, _ := e.Orgs.Audit(owner, e.Org.ID, 2, 0)
	if len(entries) != 2 || entries[0].Action != "billing_address.update" || entries[1].Action != "billing_address.create" {
		t.Fatalf("audit %+v", entries)
	}
}

// TestWithheldCustomersSeeNoBillingAnywhere: every billing entry point
// answers ErrHidden for a viewer whose only org withholds billing.
func TestWithheldCustomersSeeNoBillingAnywhere(t *testing.T) {
	e := newBillingEnv(t)
	withheld := e.org("Kunde", "", &org.BillingOptions{WithholdBilling: true}, "")
	v := e.viewer(withheld.ID)
	m := MonthOf(time.Now())
	calls := map[string]func() error{
		"Prices":        func() error { _, err := e.b.Prices(v); return err },
		"Usage":         func() error { _, err := e.b.Usage(v, withheld.ID, m); return err },
		"Invoices":      func() error { _, err := e.b.Invoices(v); return err },
		"Invoice":       func() error { _, err := e.b.Invoice(v, "any"); return err },
		"Addresses":     func() error { _, err := e.b.Addresses(v); return err },
		"Address":       func() error { _, err := e.b.Address(v, "any", false); return err },
		"CreateAddress": func() error { _, err := e.b.CreateAddress(e.Ctx, v, withheld.ID, addr("K")); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrHidden) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if hidden, err := e.b.Hidden(v); err != nil || !hidden {
		t.Fatalf("Hidden %v %v", hidden, err)
	}
	// A deleted org among the roots is skipped, not an error.
	gone := e.viewer(e.Org.ID, "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f")
	if hidden, err := e.b.Hidden(gone); err != nil || hidden {
		t.Fatalf("with a deleted root: %v %v", hidden, err)
	}
	if hidden, err := e.b.Hidden(e.viewer("6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f")); err != nil || !hidden {
		t.Fatalf("only a deleted root: %v %v", hidden, err)
	}
}

func TestPriceLimits(t *testing.T) {
	e := newBillingEnv(t)
	admin := e.viewer(e.Org.ID)
	admin.InstallAdmin = true
	if p, err := e.b.Prices(admin); err != nil || *p != DefaultPrices {
		t.Fatalf("before any change the defaults: %+v %v", p, err)
	}
	max := PriceList{TSSPerMonth: 100_000_000, IncludedTransactions: 100_000_000, Per1000Transactions: 100_000_000, PerExport: 100_000_000, Currency: "USD", Type: "X"}
	p, err := e.b.SetPrices(e.Ctx, admin, max)
	if err != nil || p.Currency != "EUR" || p.Type != "PRICE_LIST" || p.UpdatedAt == 0 {
		t.Fatalf("the largest prices: %+v %v", p, err)
	}
	for field, edit := range map[string]func(*PriceList){
		"tss_per_month":                 func(p *PriceList) { p.TSSPerMonth = 100_000_001 },
		"included_transactions_per_tss": func(p *PriceList) { p.IncludedTransactions = -1 },
		"per_1000_transactions":         func(p *PriceList) { p.Per1000Transactions = 100_000_001 },
		"per_export":                    func(p *PriceList) { p.PerExport = -50 },
	} {
		p := max
		edit(&p)
		var ve *org.ValidationError
		if _, err := e.b.SetPrices(e.Ctx, admin, p); !errors.As(err, &ve) || ve.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	if got, _ := e.b.Prices(e.viewer(e.Org.ID)); got.TSSPerMonth != 100_000_000 {
		t.Fatalf("refused lists changed the prices: %+v", got)
	}
	entries, _, _ := e.Orgs.Audit(admin, e.Org.ID, 1, 0)
	if len(entries) != 1 || entries[0].Action != "price_list.update" {
		t.Fatalf("audit %+v", entries)
	}
}

func TestInvoiceRightsAndAddress(t *testing.T) {
	e := newBillingEnv(t)
	now := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	e.Now, e.b.now = now, func() time.Time { return now }
	owner := e.viewer(e.Org.ID)
	admin := owner
	admin.InstallAdmin = true
	a, err := e.b.CreateAddress(e.Ctx, owner, e.Org.ID, addr("Reseller Rechnungsadresse"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.patch(owner, e.Org.ID, org.Input{VatID: f("DE123456789"), BillingAddressID: f(a.ID)}); err != nil {
		t.Fatal(err)
	}
	if err := e.Orgs.EnableEnv(e.Ctx, owner, e.Org.ID, org.EnvLive); err != nil {
		t.Fatal(err)
	}
	live := e.Caller(e.Org.ID)
	live.Env = org.EnvLive
	const id = "c1111111-1111-4111-8111-111111111111"
	e.Initialized(live, id)
	e.Client(live, id, "c1", "kasse-1")
	e.Receipt(live, id, "c1", "tx-1", tsstest.Standard(map[string]string{"NORMAL": "1.19"}, map[string]string{"CASH": "1.19"}))
	m := MonthOf(now)
	if _, err := e.b.Generate(e.Ctx, owner, m); !errors.Is(err, ErrNotPriceOwner) {
		t.Fatalf("an org owner generating: %v", err)
	}
	if n, err := e.b.Generate(e.Ctx, admin, m); err != nil || n != 1 {
		t.Fatalf("generate %d %v", n, err)
	}
	invs, err := e.b.Invoices(owner)
	if err != nil || len(invs) != 1 {
		t.Fatalf("%+v %v", invs, err)
	}
	inv := invs[0]
	// 9.90 for the TSS, one transaction within the quota; VAT 19 % = 1.881 → 1.88.
	if inv.Address == nil || inv.Address.CompanyName != "Reseller Rechnungsadresse" || inv.Net != 990 || inv.Vat != 188 || inv.Gross != 1178 || inv.Number != "" {
		t.Fatalf("invoice %+v", inv)
	}
	// Generating again rewrites the draft under the same id.
	if n, err := e.b.Generate(e.Ctx, admin, m); err != nil || n != 1 {
		t.Fatalf("regenerate %d %v", n, err)
	}
	if again, _ := e.b.Invoices(owner); len(again) != 1 || again[0].ID != inv.ID {
		t.Fatalf("regenerated %+v", again)
	}
	if _, err := e.b.Issue(e.Ctx, owner, inv.ID); !errors.Is(err, ErrNotPriceOwner) {
		t.Fatalf("an org owner issuing: %v", err)
	}
	if _, err := e.b.Issue(e.Ctx, admin, "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f"); !errors.Is(err, ErrInvoiceNotFound) {
		t.Fatalf("issuing nothing: %v", err)
	}
	stranger := e.org("Fremd", "", nil, "")
	if _, err := e.b.Invoice(e.viewer(stranger.ID), inv.ID); !errors.Is(err, ErrInvoiceNotFound) {
		t.Fatalf("another tenant reading: %v", err)
	}
	// Usage of the month, for the org and not for others.
	u, err := e.b.Usage(owner, e.Org.ID, m)
	if err != nil || len(u.TSS) != 1 || u.TSS[0].Transactions != 1 || !u.TSS[0].InUse || u.TSS[0].Env != org.EnvLive || u.Month != "2026-12" {
		t.Fatalf("usage %+v %v", u, err)
	}
	if _, err := e.b.Usage(e.viewer(stranger.ID), e.Org.ID, m); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("another tenant's usage: %v", err)
	}
	// Still INITIALIZED next month: in use, without transactions; the month
	// before it existed: nothing.
	if u, err := e.b.Usage(owner, e.Org.ID, m.Next()); err != nil || len(u.TSS) != 1 || !u.TSS[0].InUse || u.TSS[0].Transactions != 0 {
		t.Fatalf("the next month: %+v %v", u, err)
	}
	if u, err := e.b.Usage(owner, e.Org.ID, 202611); err != nil || len(u.TSS) != 0 {
		t.Fatalf("the month before: %+v %v", u, err)
	}
	// The PDF of the draft renders with the logo of the payer.
	var pdf bytes.Buffer
	payer, _, _ := e.Orgs.Get(owner, e.Org.ID)
	if err := inv.PDF(&pdf, payer, nil, ""); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("pdf: %v (%d bytes)", err, pdf.Len())
	}
	issued, err := e.b.Issue(e.Ctx, admin, inv.ID)
	if err != nil || issued.Number != "FD-202612-000001" || issued.IssuedAt != now.Unix() {
		t.Fatalf("issued %+v %v", issued, err)
	}
	entries, _, _ := e.Orgs.Audit(owner, e.Org.ID, 10, 0)
	if !slices.ContainsFunc(entries, func(a audit.Entry) bool { return a.Action == "invoice.issue" && a.TargetID == inv.ID }) {
		t.Fatal("issuing is not audited")
	}
}

// TestInvoicesPerPayerWithSortedLines: one month, two paying orgs. The
// reseller's invoice holds its branches' lines sorted by org name, the
// other org pays its own; each payer's users see their invoice only, a
// branch's users none.
func TestInvoicesPerPayerWithSortedLines(t *testing.T) {
	e := newBillingEnv(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	e.Now, e.b.now = now, func() time.Time { return now }
	admin := e.viewer(e.Org.ID)
	admin.InstallAdmin = true
	goLive := func(o *org.Organization) {
		t.Helper()
		v := e.viewer(o.ID)
		if err := e.patch(v, o.ID, org.Input{VatID: f("DE123456789"), BillingAddressID: f("6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f")}); err == nil {
			t.Fatal("an unknown billing address accepted")
		}
		a, err := e.b.CreateAddress(e.Ctx, v, o.ID, addr(o.Name+" GmbH"))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.patch(v, o.ID, org.Input{VatID: f("DE123456789"), BillingAddressID: f(a.ID)}); err != nil {
			t.Fatal(err)
		}
		if err := e.Orgs.EnableEnv(e.Ctx, v, o.ID, org.EnvLive); err != nil {
			t.Fatal(err)
		}
	}
	goLive(e.Org)
	other := e.org("Zweiter Zahler", "", nil, "")
	goLive(other)
	zebra := e.org("Zebra-Filiale", e.Org.ID, nil, "")
	alpha := e.org("Alpha-Filiale", e.Org.ID, nil, "")
	receipt := tsstest.Standard(map[string]string{"NORMAL": "1.19"}, map[string]string{"CASH": "1.19"})
	sign := func(orgID, tssID string) {
		c := e.Caller(orgID)
		c.Env = org.EnvLive
		e.Initialized(c, tssID)
		e.Client(c, tssID, "client-"+tssID[:4], "kasse-"+tssID[:4])
		e.Receipt(c, tssID, "client-"+tssID[:4], "tx-1", receipt)
	}
	sign(zebra.ID, "a1111111-1111-4111-8111-111111111111")
	sign(alpha.ID, "b2222222-2222-4222-8222-222222222222")
	sign(other.ID, "c3333333-3333-4333-8333-333333333333")
	m := MonthOf(now)
	if n, err := e.b.Generate(e.Ctx, admin, m); err != nil || n != 2 {
		t.Fatalf("generate %d %v", n, err)
	}
	resellerInvs, err := e.b.Invoices(e.viewer(e.Org.ID))
	if err != nil || len(resellerInvs) != 1 {
		t.Fatalf("the reseller's invoices %+v %v", resellerInvs, err)
	}
	inv := resellerInvs[0]
	var names []string
	for _, l := range inv.Lines {
		names = append(names, l.OrganizationName)
	}
	if !slices.Equal(names, []string{"Alpha-Filiale", "Zebra-Filiale"}) || inv.Net != 2*990 || inv.Address == nil || inv.Address.CompanyName != "Reseller GmbH" {
		t.Fatalf("reseller invoice: lines %q net %d address %+v", names, inv.Net, inv.Address)
	}
	otherInvs, err := e.b.Invoices(e.viewer(other.ID))
	if err != nil || len(otherInvs) != 1 || otherInvs[0].OrganizationID != other.ID || otherInvs[0].ID == inv.ID {
		t.Fatalf("the other payer's invoices %+v %v", otherInvs, err)
	}
	if branchInvs, err := e.b.Invoices(e.viewer(zebra.ID)); err != nil || len(branchInvs) != 0 {
		t.Fatalf("a branch sees %+v %v", branchInvs, err)
	}
	// Someone in both: sorted by month (newest first), then payer name.
	later := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	e.Now, e.b.now = later, func() time.Time { return later }
	if n, err := e.b.Generate(e.Ctx, admin, m.Next()); err != nil || n != 2 {
		t.Fatalf("December: %d %v", n, err)
	}
	both, err := e.b.Invoices(e.viewer(e.Org.ID, other.ID))
	if err != nil || len(both) != 4 {
		t.Fatalf("%+v %v", both, err)
	}
	var got []string
	for _, i := range both {
		got = append(got, i.Month+" "+i.OrganizationName)
	}
	want := []string{"2026-12 Reseller", "2026-12 Zweiter Zahler", "2026-11 Reseller", "2026-11 Zweiter Zahler"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
}
