package dsfinvk

import (
	"errors"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

// The limits of registers and agencies, at and one past the edge, in
// characters (pa.csv and cashregister.csv count characters, not bytes).
func TestRegisterAndAgencyLimits(t *testing.T) {
	e, s := newDK(t)
	umlauts := func(n int) string { return strings.Repeat("Ä", n) }
	regCases := []struct {
		name  string
		edit  func(*RegisterInput)
		field string // "" = accepted
	}{
		{"brand of 50 umlauts", func(r *RegisterInput) { r.Brand = umlauts(50) }, ""},
		{"brand of 51", func(r *RegisterInput) { r.Brand = umlauts(51) }, "brand"},
		{"model of 50 umlauts", func(r *RegisterInput) { r.Model = umlauts(50) }, ""},
		{"model of 51", func(r *RegisterInput) { r.Model = strings.Repeat("m", 51) }, "model"},
		{"software version only", func(r *RegisterInput) { r.Software = Software{Version: "2"} }, ""},
		{"software brand only", func(r *RegisterInput) { r.Software = Software{Brand: "POS"} }, ""},
		{"currency of two letters", func(r *RegisterInput) { r.BaseCurrencyCode = "EU" }, "base_currency_code"},
		{"currency of four letters", func(r *RegisterInput) { r.BaseCurrencyCode = "EURO" }, "base_currency_code"},
		{"another currency", func(r *RegisterInput) { r.BaseCurrencyCode = "CHF" }, ""},
		{"SLAVE_WITH_TSS needs a TSS", func(r *RegisterInput) {
			r.CashRegisterType = RegisterType{Type: "SLAVE_WITH_TSS", MasterClientID: "m"}
		}, "cash_register_type.tss_id"},
		{"SLAVE_WITH_TSS on an external TSS", func(r *RegisterInput) {
			r.CashRegisterType = RegisterType{Type: "SLAVE_WITH_TSS", MasterClientID: "m", SerialNumber: "x"}
		}, ""},
		{"SLAVE_WITHOUT_TSS needs no TSS", func(r *RegisterInput) {
			r.CashRegisterType = RegisterType{Type: "SLAVE_WITHOUT_TSS", MasterClientID: "m"}
		}, ""},
	}
	for i, c := range regCases {
		in := master()
		c.edit(&in)
		id := "reg-" + string(rune('a'+i))
		_, err := s.PutRegister(e.Ctx, e.C, id, in)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if r, _ := s.Register(e.C, id, -1); r.Brand != in.Brand || r.ClientSerial == "" {
				t.Errorf("%s: stored %+v", c.name, r)
			}
			continue
		}
		var ve *org.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want %s", c.name, err, c.field)
		}
	}
	// A register without a serial of its own is known by its client id.
	in := master()
	in.CashRegisterType = RegisterType{Type: "SLAVE_WITHOUT_TSS", MasterClientID: "m"}
	if r, err := s.PutRegister(e.Ctx, e.C, "terminal-7", in); err != nil || r.ClientSerial != "terminal-7" || r.SerialNumber != "" {
		t.Fatalf("%+v %v", r, err)
	}

	good := PurchaserAgency{PurchaserAgencyExportID: 1, Name: "Agentur", ClientID: "kasse-1",
		Address: Address{Street: "Weg 1", PostalCode: "10115", City: "Berlin", CountryCode: "DEU"}, TaxNumber: "1121081508150"}
	agCases := []struct {
		name  string
		edit  func(*PurchaserAgency)
		field string
	}{
		{"name of 60 umlauts", func(a *PurchaserAgency) { a.Name = umlauts(60) }, ""},
		{"name of 61", func(a *PurchaserAgency) { a.Name = umlauts(61) }, "name"},
		{"street of 60", func(a *PurchaserAgency) { a.Address.Street = umlauts(60) }, ""},
		{"street of 61", func(a *PurchaserAgency) { a.Address.Street = umlauts(61) }, "address.street"},
		{"postal code of 10", func(a *PurchaserAgency) { a.Address.PostalCode = strings.Repeat("1", 10) }, ""},
		{"postal code of 11", func(a *PurchaserAgency) { a.Address.PostalCode = strings.Repeat("1", 11) }, "address.postal_code"},
		{"city of 62", func(a *PurchaserAgency) { a.Address.City = umlauts(62) }, ""},
		{"city of 63", func(a *PurchaserAgency) { a.Address.City = umlauts(63) }, "address.city"},
		{"tax number of 20", func(a *PurchaserAgency) { a.TaxNumber = strings.Repeat("1", 20) }, ""},
		{"tax number of 21", func(a *PurchaserAgency) { a.TaxNumber = strings.Repeat("1", 21) }, "tax_number"},
		{"VAT id instead", func(a *PurchaserAgency) { a.TaxNumber, a.VatIDNumber = "", "ATU12345678" }, ""},
		{"VAT id of 15", func(a *PurchaserAgency) { a.TaxNumber, a.VatIDNumber = "", "DE"+strings.Repeat("1", 13) }, ""},
		{"VAT id of 16", func(a *PurchaserAgency) { a.TaxNumber, a.VatIDNumber = "", "DE"+strings.Repeat("1", 14) }, "vat_id_number"},
		{"VAT id without country", func(a *PurchaserAgency) { a.TaxNumber, a.VatIDNumber = "", "123456789" }, "vat_id_number"},
		{"VAT id in lower case", func(a *PurchaserAgency) { a.TaxNumber, a.VatIDNumber = "", "de123456789" }, "vat_id_number"},
		{"negative export id", func(a *PurchaserAgency) { a.PurchaserAgencyExportID = -1 }, "purchaser_agency_export_id"},
		{"a lower-case country", func(a *PurchaserAgency) { a.Address.CountryCode = "deu" }, "address.country_code"},
		{"no such country", func(a *PurchaserAgency) { a.Address.CountryCode = "XXX" }, "address.country_code"},
		{"another country", func(a *PurchaserAgency) { a.Address.CountryCode = "AUT" }, ""},
	}
	for i, c := range agCases {
		a := good
		c.edit(&a)
		id := "ag-" + string(rune('a'+i))
		_, err := s.PutAgency(e.Ctx, e.C, id, a)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if got, _ := s.Agency(e.C, id); got.Name != a.Name || got.Address != a.Address || got.Env != org.EnvTest {
				t.Errorf("%s: stored %+v", c.name, got)
			}
			continue
		}
		var ve *org.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want %s", c.name, err, c.field)
		}
		if _, err := s.Agency(e.C, id); !errors.Is(err, ErrAgencyNotFound) {
			t.Errorf("%s: refused agency stored (%v)", c.name, err)
		}
	}
	// A PUT replaces the agency as a whole.
	if _, err := s.PutAgency(e.Ctx, e.C, "ag-a", PurchaserAgency{Name: "Neu", ClientID: "kasse-2",
		Address: Address{CountryCode: "DEU"}, VatIDNumber: "DE123456789"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Agency(e.C, "ag-a"); a.Name != "Neu" || a.TaxNumber != "" || a.Address.Street != "" || a.ClientID != "kasse-2" {
		t.Fatalf("replaced %+v", a)
	}
	// Paging of the list.
	all, n, err := s.Agencies(e.C, 100, 0)
	if err != nil || n != len(all) || n < 5 {
		t.Fatalf("%d %v", n, err)
	}
	page, n2, _ := s.Agencies(e.C, 2, 3)
	if n2 != n || len(page) != 2 || page[0].ID != all[3].ID || page[1].ID != all[4].ID {
		t.Fatalf("page %+v", page)
	}
	regs, rn, _ := s.Registers(e.C, 1, 1)
	if len(regs) != 1 || rn < 2 {
		t.Fatalf("register page %d of %d", len(regs), rn)
	}
}
