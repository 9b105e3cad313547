package api

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// fuzzApp is a vendor with an initialized TSS and a client, shared by the
// iterations of a fuzz target.
func fuzzApp(f *testing.F) (*testApp, cred, string, string, string) {
	a, _, vendor, v, _ := vendorApp(f)
	a.tss.TestTSSLimit = 0
	tssID, clients := posSetup(f, a, v, 1)
	return a, v, vendor, tssID, clients[0]
}

// Every JSON body of every API, however malformed, gets a 4xx or a 2xx:
// never a 5xx, never a panic.
func FuzzAPIBodies(f *testing.F) {
	a, v, vendor, tssID, client := fuzzApp(f)
	routes := []struct{ method, path string }{
		{"PUT", "/api/v2/tss/" + tssID + "/tx/{new}?tx_revision=1"},
		{"PUT", "/api/v2/tss/{new}"},
		{"PATCH", "/api/v2/tss/" + tssID},
		{"PUT", "/api/v2/tss/" + tssID + "/client/{new}"},
		{"PATCH", "/api/v2/tss/" + tssID + "/metadata"},
		{"PUT", "/api/v2/tss/" + tssID + "/export/{new}"},
		{"POST", "/api/v2/sandbox/failures"},
		{"POST", "/api/v0/organizations"},
		{"PATCH", "/api/v0/organizations/" + vendor},
		{"POST", "/api/v0/organizations/" + vendor + "/api-keys"},
		{"POST", "/api/v0/organizations/" + vendor + "/users"},
		{"POST", "/api/v0/billing-addresses"},
		{"PUT", "/api/v1/cash_registers/" + client},
		{"PUT", "/api/v1/cash_point_closings/{new}"},
		{"PUT", "/api/v1/exports/{new}"},
		{"POST", "/api/v0/auth"},
		{"POST", "/api/dashboard/login"},
		{"POST", "/api/dashboard/setup"},
	}
	seeds := []string{
		`{"state":"ACTIVE","client_id":"` + client + `"}`,
		`{"state":"FINISHED","client_id":"` + client + `","schema":{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[{"vat_rate":"NORMAL","amount":"1.00"}]}}}}`,
		`{"name":"Fuzz Org","address_line1":"a","zip":"1","town":"t","country_code":"DEU","metadata":{"k":"v"}}`,
		`{"serial_number":"X","metadata":{}}`,
		`{"client_id":"` + client + `","cash_point_closing_export_id":1,"head":{},"cash_statement":{},"transactions":[]}`,
		`{"cash_register_type":{"type":"MASTER","tss_id":"` + tssID + `"},"brand":"b","model":"m","software":{"brand":"s"},"base_currency_code":"EUR"}`,
		`{"kind":"error","remaining":1}`, `[]`, `null`, `{"state":1}`, "\x00\xff",
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		path := strings.ReplaceAll(r.path, "{new}", uuid.NewString())
		res := a.with(t).do(v, r.method, path, body)
		if res.status >= 500 || res.status == 0 {
			t.Fatalf("%s %s with %q: %d %s", r.method, path, body, res.status, res.body)
		}
	})
}

// Query strings of every list and report endpoint.
func FuzzAPIQuery(f *testing.F) {
	a, v, vendor, tssID, client := fuzzApp(f)
	paths := []string{
		"/api/v0/organizations", "/api/v0/organizations/" + vendor + "/api-keys", "/api/v0/organizations/" + vendor + "/audit-log",
		"/api/v2/tss", "/api/v2/tx", "/api/v2/client", "/api/v2/export", "/api/v2/tss/" + tssID + "/tx",
		"/api/v2/tss/" + tssID + "/client", "/api/v2/tss/" + tssID + "/client/" + client + "/tx", "/api/v2/tss/" + tssID + "/tx/1",
		"/api/v1/cash_point_closings", "/api/v1/cash_registers", "/api/v1/exports", "/api/v0/invoices",
		"/api/v0/organizations/" + vendor + "/usage", "/api/dashboard/reports/transactions",
	}
	for i, q := range []string{"limit=0", "offset=-1&order=desc", "states[]=ACTIVE&states[0]=FINISHED&states=CANCELLED", "order_by=number&limit=100",
		"tx_revision=0", "month=2026-13", "format=pdf&from=2026-01-01&to=2026-01-31", "type=%ZZ", "status[]=enabled,disabled&kind=live"} {
		f.Add(uint8(i), q)
	}
	f.Fuzz(func(t *testing.T, route uint8, q string) {
		p := paths[int(route)%len(paths)]
		if strings.ContainsAny(q, " #") || strings.IndexFunc(q, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return // not a query string a client can send on a request line
		}
		if _, err := url.ParseRequestURI(p + "?" + q); err != nil {
			return
		}
		res := a.with(t).do(v, "GET", p+"?"+q, nil)
		if res.status >= 500 || res.status == 0 {
			t.Fatalf("GET %s?%s: %d %s", p, q, res.status, res.body)
		}
	})
}
