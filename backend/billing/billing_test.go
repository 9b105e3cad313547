package billing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/audit"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

func TestMonth(t *testing.T) {
	m, err := ParseMonth("2026-12")
	if err != nil || m != 202612 || m.String() != "2026-12" || m.Next() != 202701 {
		t.Fatalf("%v %v %v %v", m, err, m.String(), m.Next())
	}
	if m.Start() != time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix() || m.End() != time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix() {
		t.Fatal("bounds")
	}
	if MonthOf(time.Date(2027, 1, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600))) != 202612 {
		t.Fatal("MonthOf must use UTC")
	}
	for _, bad := range []string{"2026-13", "2026/12", "26-12", ""} {
		var ve *org.ValidationError
		if _, err := ParseMonth(bad); !errors.As(err, &ve) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestLines(t *testing.T) {
	p := PriceList{TSSPerMonth: 990, IncludedTransactions: 1000, Per1000Transactions: 100, PerExport: 50}
	cases := []struct {
		name  string
		tss   TSSUsage
		kinds []string
		net   int64
	}{
		{"LIVE TSS in use, within the quota", TSSUsage{TSSID: "t", Env: org.EnvLive, InUse: true, Transactions: 1000}, []string{"tss_month"}, 990},
		{"LIVE TSS over the quota, rounded half up", TSSUsage{TSSID: "t", Env: org.EnvLive, InUse: true, Transactions: 1005}, []string{"tss_month", "transactions"}, 990 + 1},
		{"just under half a cent rounds down", TSSUsage{TSSID: "t", Env: org.EnvLive, Transactions: 1004}, []string{"transactions"}, 0},
		{"exports", TSSUsage{TSSID: "t", Env: org.EnvLive, Exports: 3}, []string{"exports"}, 150},
		{"TEST is listed, not billed", TSSUsage{TSSID: "t", Env: org.EnvTest, InUse: true, Transactions: 5000, Exports: 1}, []string{"tss_month", "transactions", "exports"}, 0},
		{"nothing used", TSSUsage{TSSID: "t", Env: org.EnvLive}, nil, 0},
	}
	for _, c := range cases {
		ls := lines(OrgUsage{OrganizationID: "o", Name: "O", TSS: []TSSUsage{c.tss}}, p)
		var kinds []string
		var net int64
		for _, l := range ls {
			kinds = append(kinds, l.Kind)
			net += l.Amount
			if l.Billed != (c.tss.Env == org.EnvLive) || (!l.Billed && !strings.Contains(l.Description, "TEST")) {
				t.Errorf("%s: line %+v", c.name, l)
			}
		}
		if strings.Join(kinds, ",") != strings.Join(c.kinds, ",") || net != c.net {
			t.Errorf("%s: kinds %v net %d, want %v %d", c.name, kinds, net, c.kinds, c.net)
		}
	}
}

// billingEnv is an installation with billing hooked in before the
// organizations below are made, so their option history is recorded.
type billingEnv struct {
	*tsstest.Env
	b     *Service
	roots map[string]org.Role // every org made so far: the creating viewer sees all
}

func newBillingEnv(t *testing.T) *billingEnv {
	e := tsstest.New(t, "Reseller")
	return &billingEnv{Env: e, b: NewService(e.St, e.Orgs), roots: map[string]org.Role{e.Org.ID: org.RoleOwner}}
}

func (e *billingEnv) org(name, parent string, opts *org.BillingOptions, taxNumber string) *org.Organization {
	e.T.Helper()
	str := func(s string) org.Field[string] { return org.Field[string]{Set: true, V: s} }
	in := org.Input{Name: str(name), AddressLine1: str("Weg 1"), Zip: str("10115"), Town: str("Berlin"), CountryCode: str("DEU")}
	v := org.Viewer{Actor: audit.System, Roots: e.roots}
	if parent != "" {
		in.ManagedBy = str(parent)
	}
	if opts != nil {
		in.BillingOptions = org.Field[org.BillingOptions]{Set: true, V: *opts}
	}
	if taxNumber != "" {
		in.VatID = str(taxNumber)
	}
	var o *org.Organization
	if err := e.St.Update(e.Ctx, func(txn store.Tx) (err error) { o, err = e.Orgs.CreateTx(txn, v, in); return err }); err != nil {
		e.T.Fatal(err)
	}
	if parent == "" {
		e.roots[o.ID] = org.RoleOwner
	}
	return o
}

func (e *billingEnv) payer(id string, m Month) string {
	e.T.Helper()
	var p string
	if err := e.St.View(func(txn store.Tx) (err error) { p, err = e.b.payer(txn, id, m); return err }); err != nil {
		e.T.Fatal(err)
	}
	return p
}

func TestPayerFollowsTheChain(t *testing.T) {
	e := newBillingEnv(t)
	m := MonthOf(time.Now())
	reseller := e.Org.ID
	branch := e.org("Filiale", reseller, nil, "")
	other := e.org("Partner", "", nil, "")
	billsOther := e.org("Kunde mit Rechnung an Partner", "", &org.BillingOptions{BillToOrganization: other.ID}, "")
	viaHolding := e.org("Filiale der Kunde", billsOther.ID, nil, "")
	withheld := e.org("Kunde ohne Rechnung", "", &org.BillingOptions{WithholdBilling: true}, "")
	cases := []struct {
		name, org, want string
	}{
		{"a main org pays itself", reseller, reseller},
		{"a managed org's parent pays", branch.ID, reseller},
		{"bill_to_organization", billsOther.ID, other.ID},
		{"the chain goes on from the parent", viaHolding.ID, other.ID},
		{"withheld, nobody administers it: nobody", withheld.ID, ""},
		{"unknown org", "00000000-0000-4000-8000-000000000000", ""},
	}
	for _, c := range cases {
		if got := e.payer(c.org, m); got != c.want {
			t.Errorf("%s: payer %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOptionChangesTakeEffectNextMonth(t *testing.T) {
	e := newBillingEnv(t)
	now := time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)
	e.b.now = func() time.Time { return now }
	partner := e.org("Partner", "", nil, "")
	cust := e.org("Kunde", "", nil, "")
	in := org.Input{BillingOptions: org.Field[org.BillingOptions]{Set: true, V: org.BillingOptions{BillToOrganization: partner.ID}}}
	if _, err := e.Orgs.Patch(e.Ctx, org.Viewer{Actor: audit.System, Roots: map[string]org.Role{e.Org.ID: org.RoleOwner, cust.ID: org.RoleOwner, partner.ID: org.RoleOwner}}, cust.ID, in); err != nil {
		t.Fatal(err)
	}
	if got := e.payer(cust.ID, 202612); got != cust.ID {
		t.Fatalf("December: %q pays, want the customer itself (the change starts in January)", got)
	}
	if got := e.payer(cust.ID, 202701); got != partner.ID {
		t.Fatalf("January: %q pays, want the partner", got)
	}
	// Before the history begins (the org did not exist) its current
	// options answer.
	if got := e.payer(cust.ID, 202611); got != partner.ID {
		t.Fatalf("before its creation: %q", got)
	}
}

func TestWithheldBillingIsHidden(t *testing.T) {
	e := newBillingEnv(t)
	withheld := e.org("Kunde ohne Rechnung", "", &org.BillingOptions{WithholdBilling: true}, "")
	v := org.Viewer{Actor: audit.System, Roots: map[string]org.Role{withheld.ID: org.RoleOwner}}
	if _, err := e.b.Prices(v); !errors.Is(err, ErrHidden) {
		t.Fatalf("prices: %v", err)
	}
	if _, err := e.b.Invoices(v); !errors.Is(err, ErrHidden) {
		t.Fatalf("invoices: %v", err)
	}
	// Someone in both the vendor and the withheld customer sees the vendor's billing.
	both := org.Viewer{Actor: audit.System, Roots: map[string]org.Role{withheld.ID: org.RoleOwner, e.Org.ID: org.RoleOwner}}
	if p, err := e.b.Prices(both); err != nil || p.TSSPerMonth != DefaultPrices.TSSPerMonth {
		t.Fatalf("vendor's view: %+v %v", p, err)
	}
}

// TestSetPricesOnlyByTheInstallationAdmin: the price list is the
// installation's, so no organization role sets it (issue 14), not even the
// owner of a main organization.
func TestSetPricesOnlyByTheInstallationAdmin(t *testing.T) {
	e := newBillingEnv(t)
	branch := e.org("Filiale", e.Org.ID, nil, "")
	owner := e.C.Viewer
	owner.InstallAdmin = true
	p, err := e.b.SetPrices(e.Ctx, owner, PriceList{TSSPerMonth: 1500, IncludedTransactions: 5, Per1000Transactions: 200, PerExport: 0})
	if err != nil || p.TSSPerMonth != 1500 || p.Currency != "EUR" {
		t.Fatalf("%+v %v", p, err)
	}
	if got, _ := e.b.Prices(owner); got.TSSPerMonth != 1500 || got.IncludedTransactions != 5 {
		t.Fatalf("stored %+v", got)
	}
	refused := []struct {
		name string
		v    org.Viewer
		p    PriceList
		want error
	}{
		{"owner of the main org", org.Viewer{Roots: map[string]org.Role{e.Org.ID: org.RoleOwner}}, PriceList{}, ErrNotPriceOwner},
		{"admin of the main org", org.Viewer{Roots: map[string]org.Role{e.Org.ID: org.RoleAdmin}}, PriceList{}, ErrNotPriceOwner},
		{"owner of a managed org", org.Viewer{Roots: map[string]org.Role{branch.ID: org.RoleOwner}}, PriceList{}, ErrNotPriceOwner},
		{"with an API key", org.Viewer{Roots: map[string]org.Role{e.Org.ID: org.RoleOwner}, KeyOrgType: org.TypeOrganization}, PriceList{}, ErrNotPriceOwner},
	}
	for _, c := range refused {
		if _, err := e.b.SetPrices(e.Ctx, c.v, c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	var ve *org.ValidationError
	if _, err := e.b.SetPrices(e.Ctx, owner, PriceList{TSSPerMonth: -1}); !errors.As(err, &ve) || ve.Field != "tss_per_month" {
		t.Fatalf("negative price: %v", err)
	}
}

func TestAddresses(t *testing.T) {
	e := newBillingEnv(t)
	v := e.C.Viewer
	a, err := e.b.CreateAddress(e.Ctx, v, e.Org.ID, Address{CompanyName: "Reseller GmbH", AddressLine1: "Weg 1", Zip: "10115", Town: "Berlin", CountryCode: "DEU", InvoiceEmail: "rechnung@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		a     Address
		field string
	}{
		{Address{AddressLine1: "x", Zip: "1", Town: "x", CountryCode: "DEU"}, "company_name"},
		{Address{CompanyName: "x", Zip: "1", Town: "x", CountryCode: "DEU"}, "address_line1"},
		{Address{CompanyName: "x", AddressLine1: "x", Zip: "1", Town: "x", CountryCode: "XX"}, "country_code"},
		{Address{CompanyName: "x", AddressLine1: "x", Zip: "1", Town: "x", CountryCode: "DEU", InvoiceEmail: "nope"}, "invoice_email"},
	}
	for _, c := range bad {
		var ve *org.ValidationError
		if _, err := e.b.CreateAddress(e.Ctx, v, e.Org.ID, c.a); !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%+v: %v, want %s", c.a, err, c.field)
		}
	}
	list, err := e.b.Addresses(v)
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("list %+v %v", list, err)
	}
	if _, err := e.b.Address(org.Viewer{Roots: map[string]org.Role{"someone-else": org.RoleOwner}}, a.ID, false); err == nil {
		t.Fatal("a viewer of another org read the address")
	}
	if err := e.b.DeleteAddress(e.Ctx, v, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Address(v, a.ID, false); !errors.Is(err, ErrAddressNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// TestGenerateAndIssue bills a reseller for its LIVE customer's TSS and
// transactions, keeps TEST use unbilled, and numbers invoices without gaps.
func TestGenerateAndIssue(t *testing.T) {
	e := newBillingEnv(t)
	now := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	e.Now, e.b.now = now, func() time.Time { return now }
	cust := e.org("Kunde", e.Org.ID, nil, "DE123456789")
	if err := e.Orgs.EnableEnv(e.Ctx, e.C.Viewer, cust.ID, org.EnvLive); err != nil {
		t.Fatal(err)
	}
	live := e.Caller(cust.ID)
	live.Env = org.EnvLive
	test := e.Caller(cust.ID)
	const liveTSS, testTSS = "c1111111-1111-4111-8111-111111111111", "d2222222-2222-4222-8222-222222222222"
	e.Initialized(live, liveTSS)
	e.Initialized(test, testTSS)
	e.Client(live, liveTSS, "lc", "kasse-live")
	e.Client(test, testTSS, "tc", "kasse-test")
	admin := e.C.Viewer
	admin.InstallAdmin = true
	if _, err := e.b.SetPrices(e.Ctx, admin, PriceList{TSSPerMonth: 990, IncludedTransactions: 2, Per1000Transactions: 1000, PerExport: 50}); err != nil {
		t.Fatal(err)
	}
	receipt := tsstest.Standard(map[string]string{"NORMAL": "1.19"}, map[string]string{"CASH": "1.19"})
	for i, id := range []string{"tx-1", "tx-2", "tx-3", "tx-4", "tx-5"} {
		e.Receipt(live, liveTSS, "lc", id, receipt)
		if i < 2 {
			e.Receipt(test, testTSS, "tc", id, receipt)
		}
	}
	m := MonthOf(now)
	u, err := e.b.Usage(e.C.Viewer, cust.ID, m)
	if err != nil || len(u.TSS) != 2 {
		t.Fatalf("usage %+v %v", u, err)
	}
	n, err := e.b.Generate(e.Ctx, admin, m)
	if err != nil || n != 1 {
		t.Fatalf("generate: %d %v", n, err)
	}
	invs, err := e.b.Invoices(e.C.Viewer)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices %+v %v", invs, err)
	}
	inv := invs[0]
	// LIVE: 9.90 for the TSS + 3 transactions over the quota at 10.00 per
	// 1,000 = 3 ct; VAT 19 % of 9.93 = 1.8867 → 1.89. TEST listed at 0.
	if inv.OrganizationID != e.Org.ID || inv.State != "draft" || inv.Net != 993 || inv.Vat != 189 || inv.Gross != 1182 {
		t.Fatalf("invoice %+v", inv)
	}
	billed, unbilled := 0, 0
	for _, l := range inv.Lines {
		if l.Billed {
			billed++
		} else if l.Amount == 0 {
			unbilled++
		}
	}
	if billed != 2 || unbilled != 1 {
		t.Fatalf("lines %+v", inv.Lines)
	}
	first, err := e.b.Issue(e.Ctx, admin, inv.ID)
	if err != nil || first.Number != "FD-202612-000001" || first.State != "issued" {
		t.Fatalf("issue %+v %v", first, err)
	}
	if _, err := e.b.Issue(e.Ctx, admin, inv.ID); !errors.Is(err, ErrInvoiceIssued) {
		t.Fatalf("second issue: %v", err)
	}
	// Regenerating leaves the issued invoice as it is.
	e.Receipt(live, liveTSS, "lc", "tx-late", receipt)
	if n, err := e.b.Generate(e.Ctx, admin, m); err != nil || n != 0 {
		t.Fatalf("regenerate: %d %v", n, err)
	}
	if got, err := e.b.Invoice(e.C.Viewer, inv.ID); err != nil || got.Number != first.Number || got.Net != first.Net {
		t.Fatalf("after regenerate %+v %v", got, err)
	}
	// The next month's invoice takes the next number.
	next := m.Next()
	later := time.Unix(next.Start(), 0).Add(time.Hour)
	e.Now, e.b.now = later, func() time.Time { return later }
	e.Receipt(live, liveTSS, "lc", "tx-jan", receipt)
	if n, err := e.b.Generate(e.Ctx, admin, next); err != nil || n != 1 {
		t.Fatalf("January: %d %v", n, err)
	}
	invs, _ = e.b.Invoices(e.C.Viewer)
	second, err := e.b.Issue(e.Ctx, admin, invs[0].ID)
	if err != nil || second.Number != "FD-202701-000002" {
		t.Fatalf("January issue %+v %v", second, err)
	}
	// The customer's own users see no invoice of the reseller.
	if _, err := e.b.Invoice(e.Caller(cust.ID).Viewer, inv.ID); !errors.Is(err, ErrInvoiceNotFound) {
		t.Fatalf("customer reads the reseller's invoice: %v", err)
	}
}
