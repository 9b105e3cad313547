package api

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// billingWorld is a live vendor with its owner, a TEST and a LIVE key,
// and a price list that makes small numbers visible:
// 9.90 € per TSS, 5 transactions included, 25.00 € per 1,000 more, 0.50 € per export.
type billingWorld struct {
	a               *testApp
	owner, test, lv cred
	vendor          string
}

func newBillingWorld(t *testing.T) *billingWorld {
	a, owner, vendor, v, _ := vendorApp(t)
	a.tss.TestTSSLimit = 0
	a.must(a.do(v, "PATCH", "/api/v0/organizations/"+vendor, map[string]any{"vat_id": "DE123456789", "billing_address_id": billingAddress(t, a, v, vendor)}), 200)
	a.must(a.do(v, "POST", "/api/v0/organizations/"+vendor+"/enable-env", map[string]string{"env": "LIVE"}), 200)
	lk, ls, _ := a.newKey(owner, vendor, map[string]any{"name": "live-key", "env": "LIVE"})
	a.must(a.do(owner, "PUT", "/api/v0/billing/price-list", map[string]any{"tss_per_month": 990, "included_transactions_per_tss": 5, "per_1000_transactions": 2500, "per_export": 50}), 200)
	return &billingWorld{a: a, owner: owner, test: v, lv: cred{bearer: a.token(lk, ls)}, vendor: vendor}
}

// withheld creates an org billed elsewhere and hidden from billing.
func (w *billingWorld) withheld(t *testing.T, c cred, name, parent string, billTo string) string {
	body := orgBody(name, parent)
	opts := map[string]any{"withhold_billing": true}
	if billTo != "" {
		opts["bill_to_organization"] = billTo
	}
	body["billing_options"] = opts
	return w.a.must(w.a.do(c, "POST", "/api/v0/organizations", body), 200).str("_id")
}

// sign runs n receipts on a new TSS of orgID in c's env and returns the TSS id.
func (w *billingWorld) sign(t *testing.T, c cred, orgID string, n int, exports int) string {
	a := w.a
	h := map[string]string{"X-Organization-ID": orgID}
	id := uuid.NewString()
	puk := a.must(a.doH(c, "PUT", "/api/v2/tss/"+id, "{}", h), 200).str("admin_puk")
	a.must(a.do(c, "PATCH", "/api/v2/tss/"+id, map[string]string{"state": "UNINITIALIZED"}), 200)
	a.must(a.do(c, "PATCH", "/api/v2/tss/"+id+"/admin", map[string]string{"admin_puk": puk, "new_admin_pin": "123456"}), 200)
	a.must(a.do(c, "POST", "/api/v2/tss/"+id+"/admin/auth", map[string]string{"admin_pin": "123456"}), 200)
	a.must(a.do(c, "PATCH", "/api/v2/tss/"+id, map[string]string{"state": "INITIALIZED"}), 200)
	cl := uuid.NewString()
	a.must(a.do(c, "PUT", "/api/v2/tss/"+id+"/client/"+cl, map[string]string{"serial_number": "Kasse 1"}), 200)
	for range n {
		tx := "/api/v2/tss/" + id + "/tx/" + uuid.NewString()
		a.must(a.do(c, "PUT", tx+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": cl}), 200)
		a.must(a.do(c, "PUT", tx+"?tx_revision=2", map[string]any{"state": "FINISHED", "client_id": cl, "schema": receipt("1.00")}), 200)
	}
	for range exports {
		p := "/api/v2/tss/" + id + "/export/" + uuid.NewString()
		a.must(a.do(c, "PUT", p, nil), 200)
		waitExport(t, a, c, p)
	}
	return id
}

type invoiceBody struct {
	ID, Number, State, Month, OrganizationID string
	Net, Vat, Gross                          int64
	Lines                                    []struct {
		OrganizationName string `json:"organization_name"`
		Kind             string `json:"kind"`
		Env              string `json:"env"`
		TSSID            string `json:"tss_id"`
		Quantity         int64  `json:"quantity"`
		Amount           int64  `json:"amount"`
		Billed           bool   `json:"billed"`
	}
}

// vendorInvoice generates this month's drafts and returns the vendor's.
func (w *billingWorld) vendorInvoice(t *testing.T) invoiceBody {
	a := w.a
	month := time.Now().UTC().Format("2006-01")
	a.must(a.do(w.owner, "POST", "/api/v0/invoices/generate", map[string]string{"month": month}), 200)
	var l struct {
		Data []struct {
			ID  string `json:"_id"`
			Org string `json:"organization_id"`
		} `json:"data"`
	}
	r := a.must(a.do(w.owner, "GET", "/api/v0/invoices", nil), 200)
	if err := jsonUnmarshal(r.body, &l); err != nil {
		t.Fatal(err)
	}
	for _, inv := range l.Data {
		if inv.Org == w.vendor {
			var b invoiceBody
			raw := a.must(a.do(w.owner, "GET", "/api/v0/invoices/"+inv.ID, nil), 200).body
			if err := jsonUnmarshal(raw, &struct {
				ID     *string `json:"_id"`
				Number *string `json:"number"`
				State  *string `json:"state"`
				Month  *string `json:"month"`
				Org    *string `json:"organization_id"`
				Net    *int64  `json:"net"`
				Vat    *int64  `json:"vat"`
				Gross  *int64  `json:"gross"`
				Lines  any     `json:"lines"`
			}{&b.ID, &b.Number, &b.State, &b.Month, &b.OrganizationID, &b.Net, &b.Vat, &b.Gross, &b.Lines}); err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no invoice for the vendor: %s", r.body)
	return invoiceBody{}
}

func sumBilled(b invoiceBody) (int64, int) {
	var s int64
	unbilled := 0
	for _, l := range b.Lines {
		s += l.Amount
		if !l.Billed {
			unbilled++
		}
	}
	return s, unbilled
}

func TestInvoiceIndividualCustomers(t *testing.T) {
	w := newBillingWorld(t)
	a := w.a
	cafe := w.withheld(t, w.lv, "Café Withheld", w.vendor, w.vendor)
	w.sign(t, w.lv, cafe, 9, 1)   // LIVE: 9.90 + 4 × 2.5 ct + 0.50
	w.sign(t, w.test, cafe, 3, 0) // TEST: listed, not billed
	inv := w.vendorInvoice(t)
	sum, unbilled := sumBilled(inv)
	// 990 + 10 + 50 = 1050 net; VAT 19 % = 199.5 → 200; gross 1250.
	if inv.Net != 1050 || sum != 1050 || inv.Vat != 200 || inv.Gross != 1250 || unbilled != 1 || inv.State != "draft" || inv.Number != "" {
		t.Fatalf("invoice: %+v", inv)
	}
	for _, l := range inv.Lines {
		if l.OrganizationName != "Café Withheld" || (l.Env == "TEST" && (l.Billed || l.Amount != 0)) {
			t.Fatalf("line %+v", l)
		}
	}
	// The customer sees no invoice, no price, no usage.
	ck, cs, _ := a.newKey(w.test, cafe, nil)
	customer := cred{bearer: a.token(ck, cs)}
	for _, path := range []string{"/api/v0/invoices", "/api/v0/invoices/" + inv.ID, "/api/v0/invoices/" + inv.ID + "/pdf", "/api/v0/billing/price-list", "/api/v0/organizations/" + cafe + "/usage", "/api/v0/billing-addresses"} {
		r := a.do(customer, "GET", path, nil)
		if r.status != 404 || bytes.Contains(r.body, []byte("1250")) || bytes.Contains(r.body, []byte("990")) {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	// Issued invoices get gapless numbers and stay as they are.
	issued := a.must(a.do(w.owner, "POST", "/api/v0/invoices/"+inv.ID+"/issue", nil), 200).obj()
	if !strings.HasSuffix(issued["number"].(string), "-000001") || issued["state"] != "issued" {
		t.Fatalf("issued %v", issued)
	}
	wantCode(t, a.do(w.owner, "POST", "/api/v0/invoices/"+inv.ID+"/issue", nil), 409, "E_INVOICE_ISSUED")
	w.sign(t, w.lv, cafe, 1, 0)
	a.must(a.do(w.owner, "POST", "/api/v0/invoices/generate", map[string]string{"month": time.Now().UTC().Format("2006-01")}), 200)
	if again := a.must(a.do(w.owner, "GET", "/api/v0/invoices/"+inv.ID, nil), 200).obj(); again["net"].(float64) != 1050 {
		t.Fatalf("an issued invoice changed: %v", again)
	}
	// The PDF renders.
	pdf := a.must(a.do(w.owner, "GET", "/api/v0/invoices/"+inv.ID+"/pdf", nil), 200).body
	out := filepath.Join("..", "..", "test-output", "billing")
	_ = os.MkdirAll(out, 0o755)
	file := filepath.Join(out, "invoice.pdf")
	_ = os.WriteFile(file, pdf, 0o644)
	if b, err := exec.Command("pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", file, filepath.Join(out, "invoice")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	if txt, err := exec.Command("pdftotext", file, "-").Output(); err == nil && !bytes.Contains(txt, []byte("12,50")) {
		t.Fatalf("the PDF does not show the gross total 12,50:\n%s", txt)
	}
}

func TestInvoiceEnterpriseHolding(t *testing.T) {
	w := newBillingWorld(t)
	holding := w.withheld(t, w.lv, "Holding AG", "", w.vendor)
	var branches []string
	for i := range 2 {
		branches = append(branches, w.withheld(t, w.lv, fmt.Sprintf("Filiale %d", i+1), holding, ""))
	}
	w.sign(t, w.lv, branches[0], 6, 0) // 990 + 1 × 2.5 ct → 3 ct (half up)
	w.sign(t, w.lv, branches[1], 5, 2) // 990 + 2 × 50
	inv := w.vendorInvoice(t)
	// 993 + 1090 = 2083 net; VAT 395.77 → 396; gross 2479.
	if inv.Net != 2083 || inv.Vat != 396 || inv.Gross != 2479 {
		t.Fatalf("invoice: %+v", inv)
	}
	names := map[string]bool{}
	for _, l := range inv.Lines {
		names[l.OrganizationName] = true
	}
	if !names["Filiale 1"] || !names["Filiale 2"] || len(names) != 2 {
		t.Fatalf("lines cover %v", names)
	}
}

func TestInvoiceWhiteLabelPartner(t *testing.T) {
	w := newBillingWorld(t)
	a := w.a
	partner := w.withheld(t, w.lv, "Partner Kassen", "", w.vendor)
	pk, ps, _ := a.newKey(w.lv, partner, nil) // a LIVE key: the vendor's token is LIVE
	pl := cred{bearer: a.token(pk, ps)}
	kiosk := w.withheld(t, pl, "Kiosk Ede", partner, "")
	w.sign(t, pl, kiosk, 5, 0) // 990, quota not exceeded
	inv := w.vendorInvoice(t)
	if inv.Net != 990 || inv.Vat != 188 || inv.Gross != 1178 || len(inv.Lines) != 1 || inv.Lines[0].OrganizationName != "Kiosk Ede" {
		t.Fatalf("invoice: %+v", inv)
	}
	// The partner withholds billing too: it sees nothing of it.
	wantCode(t, a.do(pl, "GET", "/api/v0/invoices", nil), 404, "E_NOT_FOUND")
	wantCode(t, a.do(pl, "GET", "/api/v0/billing/price-list", nil), 404, "E_NOT_FOUND")
}

// Billing visibility for each kind of principal.
func TestBillingVisibilityMatrix(t *testing.T) {
	w := newBillingWorld(t)
	a := w.a
	cafe := w.withheld(t, w.lv, "Café Hidden", w.vendor, w.vendor)
	plain := a.must(a.do(w.test, "POST", "/api/v0/organizations", orgBody("Café Plain", w.vendor)), 200).str("_id")
	w.sign(t, w.lv, cafe, 9, 0)
	inv := w.vendorInvoice(t)
	// invite makes the owner invite email into orgID and accepts it.
	invite := func(orgID, email, role, password string) cred {
		link := a.must(a.do(w.owner, "POST", "/api/v0/organizations/"+orgID+"/users", map[string]any{"email": email, "role": role}), 200).str("accept_url")
		return sessionFrom(t, a.must(a.do(cred{}, "POST", "/api/dashboard/invitations/"+strings.TrimPrefix(link, "/invite/")+"/accept", map[string]string{"password": password}), 200))
	}
	users := map[string]cred{}
	for _, role := range []string{"admin", "member"} {
		users[role] = invite(w.vendor, role+"@v.example", role, role+" password 1")
	}
	// The café's own user, and the vendor's admin who is also a user of the café.
	users["café user"] = invite(cafe, "barista@cafe.example", "admin", "barista password 1")
	users["vendor admin in café"] = invite(cafe, "admin@v.example", "admin", "admin password 1")
	ck, cs, _ := a.newKey(w.test, cafe, nil)
	pk, ps, _ := a.newKey(w.test, plain, nil)
	type want struct{ prices, invoices, invoice, setPrices, generate, addresses, usage int }
	cases := map[string]struct {
		c cred
		w want
	}{
		"owner":           {w.owner, want{200, 200, 200, 200, 200, 200, 200}},
		"admin user":      {users["admin"], want{200, 200, 200, 403, 403, 200, 200}},
		"member user":     {users["member"], want{200, 200, 200, 403, 403, 200, 200}},
		"vendor key":      {w.test, want{200, 200, 200, 403, 403, 200, 200}},
		"vendor LIVE key": {w.lv, want{200, 200, 200, 403, 403, 200, 200}},
		"withheld key":    {cred{bearer: a.token(ck, cs)}, want{404, 404, 404, 404, 404, 404, 404}},
		"withheld user":   {users["café user"], want{404, 404, 404, 404, 404, 404, 404}},
		// Billing is seen through the vendor, never through the café.
		"vendor admin also in the withheld org": {users["vendor admin in café"], want{200, 200, 200, 403, 403, 200, 200}},
		"managed org key":                       {cred{bearer: a.token(pk, ps)}, want{200, 200, 404, 403, 403, 200, 404}},
		"no token":                              {cred{}, want{401, 401, 401, 401, 401, 401, 401}},
	}
	month := time.Now().UTC().Format("2006-01")
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			checks := []struct {
				method, path string
				body         any
				status       int
			}{
				{"GET", "/api/v0/billing/price-list", nil, c.w.prices},
				{"GET", "/api/v0/invoices", nil, c.w.invoices},
				{"GET", "/api/v0/invoices/" + inv.ID, nil, c.w.invoice},
				{"GET", "/api/v0/invoices/" + inv.ID + "/pdf", nil, c.w.invoice},
				{"PUT", "/api/v0/billing/price-list", map[string]any{"tss_per_month": 990, "included_transactions_per_tss": 5, "per_1000_transactions": 2500, "per_export": 50}, c.w.setPrices},
				{"POST", "/api/v0/invoices/generate", map[string]string{"month": month}, c.w.generate},
				{"GET", "/api/v0/billing-addresses", nil, c.w.addresses},
				{"GET", "/api/v0/organizations/" + cafe + "/usage", nil, c.w.usage},
			}
			for _, ch := range checks {
				r := a.do(c.c, ch.method, ch.path, ch.body)
				if r.status != ch.status {
					t.Fatalf("%s %s: %d, want %d: %s", ch.method, ch.path, r.status, ch.status, r.body)
				}
				if ch.status >= 400 && (bytes.Contains(r.body, []byte("1250")) || bytes.Contains(r.body, []byte("tss_per_month"))) {
					t.Fatalf("%s leaks amounts: %s", ch.path, r.body)
				}
			}
			// A managed org's key never sees its parent's invoices in a list.
			if name == "managed org key" {
				if l := a.must(a.do(c.c, "GET", "/api/v0/invoices", nil), 200).obj(); l["count"].(float64) != 0 {
					t.Fatalf("managed org sees %v invoices", l["count"])
				}
			}
		})
	}
	// Billing addresses must exist and be the caller's to be used.
	wantCode(t, a.do(w.test, "PATCH", "/api/v0/organizations/"+plain, map[string]any{"billing_address_id": uuid.NewString()}), 400, "E_FAILED_SCHEMA_VALIDATION")
}

// A change of billing options is audited and applies from the next month.
func TestBillingOptionChangeAppliesNextMonth(t *testing.T) {
	w := newBillingWorld(t)
	a := w.a
	cafe := a.must(a.do(w.lv, "POST", "/api/v0/organizations", orgBody("Café Default", w.vendor)), 200).str("_id")
	w.sign(t, w.lv, cafe, 1, 0)
	other := a.must(a.do(w.owner, "POST", "/api/v0/organizations", orgBody("Other Payer", "")), 200).str("_id")
	a.must(a.do(w.owner, "PATCH", "/api/v0/organizations/"+cafe, map[string]any{"billing_options": map[string]any{"bill_to_organization": other}}), 200)
	if log := a.must(a.do(w.owner, "GET", "/api/v0/organizations/"+cafe+"/audit-log", nil), 200).body; !bytes.Contains(log, []byte("billing_options.change")) {
		t.Fatalf("change not audited: %s", log)
	}
	payerOf := func(month string) string {
		a.must(a.do(w.owner, "POST", "/api/v0/invoices/generate", map[string]string{"month": month}), 200)
		var l struct {
			Data []struct {
				Org   string `json:"organization_id"`
				Month string `json:"month"`
				Lines []struct {
					Name string `json:"organization_name"`
				} `json:"lines"`
			} `json:"data"`
		}
		_ = jsonUnmarshal(a.must(a.do(w.owner, "GET", "/api/v0/invoices", nil), 200).body, &l)
		for _, inv := range l.Data {
			for _, line := range inv.Lines {
				if inv.Month == month && line.Name == "Café Default" {
					return inv.Org
				}
			}
		}
		return ""
	}
	now := time.Now().UTC()
	this := now.Format("2006-01")
	next := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	if p := payerOf(this); p != w.vendor {
		t.Fatalf("this month the parent pays, got %q", p)
	}
	if p := payerOf(next); p != other {
		t.Fatalf("next month the new payer pays, got %q", p)
	}
}
