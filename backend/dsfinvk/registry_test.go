package dsfinvk

import (
	"errors"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

// VAT definitions, cash registers and purchaser agencies on the
// in-memory store.

func newDK(t *testing.T) (*tsstest.Env, *Service) {
	e := tsstest.New(t, "Gastro GmbH")
	return e, NewService(e.St, e.Orgs, e.TSS)
}

func TestVatDefinitions(t *testing.T) {
	e, s := newDK(t)
	all, err := s.VatDefinitions(e.C)
	if err != nil || len(all) != len(predefinedVAT) {
		t.Fatalf("%d %v", len(all), err)
	}
	if v, err := s.VatDefinition(e.C, 1); err != nil || v.Percentage != 19 || v.Env != org.EnvTest {
		t.Fatalf("key 1: %+v %v", v, err)
	}
	var ve *org.ValidationError
	for _, bad := range []struct {
		id uint32
		p  float64
	}{{999, 5}, {1000, -1}, {1000, 100.5}} {
		if _, err := s.PutVatDefinition(e.Ctx, e.C, bad.id, VatDefinition{Percentage: bad.p}); !errors.As(err, &ve) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// Custom keys in numeric order (big-endian ids), revisions counting up.
	for _, id := range []uint32{65536, 1000, 1001} {
		if _, err := s.PutVatDefinition(e.Ctx, e.C, id, VatDefinition{Percentage: 16, Description: "alt"}); err != nil {
			t.Fatal(err)
		}
	}
	up, err := s.PutVatDefinition(e.Ctx, e.C, 1000, VatDefinition{Percentage: 17})
	if err != nil || up.Revision != 1 || up.Percentage != 17 {
		t.Fatalf("update %+v %v", up, err)
	}
	all, _ = s.VatDefinitions(e.C)
	var custom []uint32
	for _, v := range all[len(predefinedVAT):] {
		custom = append(custom, v.ExportID)
	}
	if len(custom) != 3 || custom[0] != 1000 || custom[1] != 1001 || custom[2] != 65536 {
		t.Fatalf("custom keys in order %v", custom)
	}
	if _, err := s.VatDefinition(e.C, 4711); !errors.Is(err, ErrVatNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	// Another org does not see them.
	other := e.NewOrg("Andere GmbH", "")
	oc := e.Caller(other.ID)
	if list, _ := s.VatDefinitions(oc); len(list) != len(predefinedVAT) {
		t.Fatalf("another org sees %d keys", len(list))
	}
	// A caller without rights on the org gets nothing.
	stranger := e.C
	stranger.Viewer.Roots = map[string]org.Role{other.ID: org.RoleOwner}
	if _, err := s.VatDefinitions(stranger); !errors.Is(err, org.ErrNotFound) {
		t.Fatalf("stranger: %v", err)
	}
}

func master() RegisterInput {
	return RegisterInput{CashRegisterType: RegisterType{Type: "MASTER", SerialNumber: "ext-tse-1"}, Brand: "Kasse", Model: "K1",
		Software: Software{Brand: "POS", Version: "1.0"}, BaseCurrencyCode: "EUR"}
}

func TestCashRegisters(t *testing.T) {
	e, s := newDK(t)
	bad := []struct {
		name  string
		edit  func(*RegisterInput)
		field string
	}{
		{"type", func(r *RegisterInput) { r.CashRegisterType.Type = "MAIN" }, "cash_register_type.type"},
		{"brand", func(r *RegisterInput) { r.Brand = "" }, "brand"},
		{"model", func(r *RegisterInput) { r.Model = string(make([]byte, 51)) }, "model"},
		{"software", func(r *RegisterInput) { r.Software = Software{} }, "software"},
		{"currency", func(r *RegisterInput) { r.BaseCurrencyCode = "eur" }, "base_currency_code"},
		{"no TSS", func(r *RegisterInput) { r.CashRegisterType.SerialNumber = "" }, "cash_register_type.tss_id"},
		{"slave without master", func(r *RegisterInput) { r.CashRegisterType.Type = "SLAVE_WITHOUT_TSS" }, "cash_register_type.master_client_id"},
	}
	for _, b := range bad {
		in := master()
		b.edit(&in)
		var ve *org.ValidationError
		if _, err := s.PutRegister(e.Ctx, e.C, "kasse-1", in); !errors.As(err, &ve) || ve.Field != b.field {
			t.Errorf("%s: %v, want %s", b.name, err, b.field)
		}
	}
	r0, err := s.PutRegister(e.Ctx, e.C, "kasse-1", master())
	if err != nil || r0.Revision != 0 || r0.ClientSerial != "ext-tse-1" {
		t.Fatalf("%+v %v", r0, err)
	}
	in := master()
	in.Model = "K2"
	r1, err := s.PutRegister(e.Ctx, e.C, "kasse-1", in)
	if err != nil || r1.Revision != 1 || r1.TimeCreation != r0.TimeCreation {
		t.Fatalf("revision 1 %+v %v", r1, err)
	}
	if old, err := s.Register(e.C, "kasse-1", 0); err != nil || old.Model != "K1" {
		t.Fatalf("revision 0 kept: %+v %v", old, err)
	}
	if cur, err := s.Register(e.C, "kasse-1", -1); err != nil || cur.Model != "K2" {
		t.Fatalf("latest: %+v %v", cur, err)
	}
	slave := master()
	slave.CashRegisterType = RegisterType{Type: "SLAVE_WITHOUT_TSS", MasterClientID: "kasse-1"}
	if _, err := s.PutRegister(e.Ctx, e.C, "kasse-1", slave); !errors.Is(err, ErrRegisterConflict) {
		t.Fatalf("type change: %v", err)
	}
	if _, err := s.Register(e.C, "kasse-9", -1); !errors.Is(err, ErrRegisterNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	// A register on a SIGN DE TSS takes its TSE data from there.
	const tssID = "d5d5d5d5-d5d5-4d5d-8d5d-d5d5d5d5d5d5"
	e.Initialized(e.C, tssID)
	e.Client(e.C, tssID, "kasse-2", "SN-KASSE-2")
	withTSS := master()
	withTSS.CashRegisterType = RegisterType{Type: "MASTER", TSSID: tssID}
	r2, err := s.PutRegister(e.Ctx, e.C, "kasse-2", withTSS)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.TSS.Get(e.C, tssID)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ClientSerial != "SN-KASSE-2" || r2.SerialNumber != v.SerialNumber || r2.PublicKey != v.PublicKey || r2.Certificate == "" {
		t.Fatalf("TSE data not from the TSS: %+v", r2)
	}
	if _, err := s.PutRegister(e.Ctx, e.C, "kasse-3", withTSS); !errors.Is(err, tss.ErrClientNotFound) {
		t.Fatalf("a client the TSS does not know: %v", err)
	}
	list, n, err := s.Registers(e.C, 10, 0)
	if err != nil || n != 2 || list[0].ClientID != "kasse-1" || list[1].ClientID != "kasse-2" {
		t.Fatalf("list %+v %d %v", list, n, err)
	}
}

func TestPurchaserAgencies(t *testing.T) {
	e, s := newDK(t)
	good := PurchaserAgency{Name: "Agentur", ClientID: "kasse-1", Address: Address{Street: "Weg 1", PostalCode: "10115", City: "Berlin", CountryCode: "DEU"}, TaxNumber: "1121081508150"}
	bad := []struct {
		edit  func(*PurchaserAgency)
		field string
	}{
		{func(a *PurchaserAgency) { a.Name = "" }, "name"},
		{func(a *PurchaserAgency) { a.ClientID = "" }, "client_id"},
		{func(a *PurchaserAgency) { a.Address.CountryCode = "DE" }, "address.country_code"},
		{func(a *PurchaserAgency) { a.VatIDNumber = "DE123456789" }, "tax_number"},
		{func(a *PurchaserAgency) { a.TaxNumber = "" }, "tax_number"},
	}
	for _, b := range bad {
		a := good
		b.edit(&a)
		var ve *org.ValidationError
		if _, err := s.PutAgency(e.Ctx, e.C, "ag-1", a); !errors.As(err, &ve) || ve.Field != b.field {
			t.Errorf("%s: %v", b.field, err)
		}
	}
	if _, err := s.PutAgency(e.Ctx, e.C, "ag-1", good); err != nil {
		t.Fatal(err)
	}
	a, err := s.Agency(e.C, "ag-1")
	if err != nil || a.Name != "Agentur" || a.ID != "ag-1" || a.Type != "PURCHASER_AGENCY" {
		t.Fatalf("%+v %v", a, err)
	}
	if _, err := s.Agency(e.C, "ag-2"); !errors.Is(err, ErrAgencyNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if list, n, err := s.Agencies(e.C, 10, 0); err != nil || n != 1 || list[0].ID != "ag-1" {
		t.Fatalf("list %+v %d %v", list, n, err)
	}
}
