package org

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fiskaldesk/fiskaldesk/backend/store"
)

// Every field rule of create and patch, one row per rule and boundary.

func null[T any]() Field[T] { return Field[T]{Set: true, Null: true} }

func TestValidateEveryFieldAndLimit(t *testing.T) {
	meta := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("k%02d", i)] = "v"
		}
		return m
	}
	md := func(m map[string]string) Field[map[string]string] { return Field[map[string]string]{Set: true, V: m} }
	bo := func(b BillingOptions) Field[BillingOptions] { return Field[BillingOptions]{Set: true, V: b} }
	const uuid = "6f1c7a9e-2b4d-4c8e-9f00-1a2b3c4d5e6f"
	cases := []struct {
		name  string
		in    Input
		field string // "" = valid
	}{
		{"name of 3 characters", Input{Name: set("ABC")}, ""},
		{"name of 3 umlauts counts runes, not bytes", Input{Name: set("Äöü")}, ""},
		{"name of 200 characters", Input{Name: set(strings.Repeat("n", 200))}, ""},
		{"name of 201 characters", Input{Name: set(strings.Repeat("n", 201))}, "name"},
		{"name of blanks around 2 characters", Input{Name: set("  ab  ")}, "name"},
		{"display_name empty", Input{DisplayName: set("")}, ""},
		{"display_name of 201", Input{DisplayName: set(strings.Repeat("d", 201))}, "display_name"},
		{"display_name null", Input{DisplayName: null[string]()}, ""},
		{"address_line1 blank", Input{AddressLine1: set("   ")}, "address_line1"},
		{"address_line1 of 201", Input{AddressLine1: set(strings.Repeat("a", 201))}, "address_line1"},
		{"address_line2 of 200", Input{AddressLine2: set(strings.Repeat("a", 200))}, ""},
		{"address_line2 of 201", Input{AddressLine2: set(strings.Repeat("a", 201))}, "address_line2"},
		{"zip empty", Input{Zip: set("")}, "zip"},
		{"zip of 20", Input{Zip: set(strings.Repeat("1", 20))}, ""},
		{"zip of 21", Input{Zip: set(strings.Repeat("1", 21))}, "zip"},
		{"town of 100", Input{Town: set(strings.Repeat("t", 100))}, ""},
		{"town of 101", Input{Town: set(strings.Repeat("t", 101))}, "town"},
		{"state of 101", Input{State: set(strings.Repeat("s", 101))}, "state"},
		{"country code alpha-2", Input{CountryCode: set("DE")}, "country_code"},
		{"country code lower case", Input{CountryCode: set("aut")}, "country_code"},
		{"country code null", Input{CountryCode: null[string]()}, ""},
		{"vat id lower case", Input{VatID: set("de123456789")}, "vat_id"},
		{"vat id empty (cleared)", Input{VatID: set("")}, ""},
		{"vat id of another country", Input{VatID: set("FR12345678901")}, ""},
		{"tax number of 20", Input{TaxNumber: set(strings.Repeat("1", 20))}, ""},
		{"tax number of blanks", Input{TaxNumber: set("   ")}, "tax_number"},
		{"economy id with a 4-digit suffix", Input{EconomyID: set("DE123456789-0001")}, "economy_id"},
		{"contact person not a UUID", Input{ContactPersonID: set("42")}, "contact_person_id"},
		{"contact person a UUID", Input{ContactPersonID: set(uuid)}, ""},
		{"billing address not a UUID", Input{BillingAddressID: set("addr-1")}, "billing_address_id"},
		{"managed_by empty (detach)", Input{ManagedBy: set("")}, ""},
		{"GLN of 12 digits", Input{BillingOptions: bo(BillingOptions{GLN: "901234500000"})}, "billing_options.gln"},
		{"GLN with a letter", Input{BillingOptions: bo(BillingOptions{GLN: "901234500000X"})}, "billing_options.gln"},
		{"billing options null", Input{BillingOptions: null[BillingOptions]()}, ""},
		{"bill to a UUID", Input{BillingOptions: bo(BillingOptions{BillToOrganization: uuid})}, ""},
		{"40 metadata keys", Input{Metadata: md(meta(40))}, ""},
		{"41 metadata keys", Input{Metadata: md(meta(41))}, "metadata"},
		{"metadata key of 40", Input{Metadata: md(map[string]string{strings.Repeat("k", 40): "v"})}, ""},
		{"metadata key of 41", Input{Metadata: md(map[string]string{strings.Repeat("k", 41): "v"})}, "metadata"},
		{"empty metadata key", Input{Metadata: md(map[string]string{"": "v"})}, "metadata"},
		{"metadata value of 500 umlauts", Input{Metadata: md(map[string]string{"k": strings.Repeat("ä", 500)})}, ""},
		{"metadata value of 501", Input{Metadata: md(map[string]string{"k": strings.Repeat("v", 501)})}, "metadata"},
	}
	for _, c := range cases {
		err := c.in.validate()
		var ve *ValidationError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: unexpected %v", c.name, err)
		case c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field):
			t.Errorf("%s: error %v, want one on %s", c.name, err, c.field)
		}
	}
}

func TestGermanTaxNumber(t *testing.T) {
	for tn, want := range map[string]bool{
		"2181508150":     true,  // 10 digits
		"1121081508150":  true,  // 13 digits
		"21/815/08150":   true,  // slashes do not count as digits
		"218 150 815 0":  true,  // nor spaces
		"218150815":      false, // 9 digits
		"11210815081501": false, // 14 digits
		"/2181508150":    false, // must start with a digit
		"2181508150/":    false, // and end with one
		"21-815-08150":   false, // dashes are not allowed
		"IT123456789":    false,
		"":               false,
	} {
		if got := GermanTaxNumber(tn); got != want {
			t.Errorf("GermanTaxNumber(%q) = %v", tn, got)
		}
	}
}

func TestCreateRequiresTheAddress(t *testing.T) {
	e := newOrgEnv(t)
	for _, field := range []string{"name", "address_line1", "zip", "town", "country_code"} {
		for _, how := range []string{"absent", "null", "blank"} {
			in := input("Firma")
			var f *Field[string]
			switch field {
			case "name":
				f = &in.Name
			case "address_line1":
				f = &in.AddressLine1
			case "zip":
				f = &in.Zip
			case "town":
				f = &in.Town
			case "country_code":
				f = &in.CountryCode
			}
			switch how {
			case "absent":
				*f = Field[string]{}
			case "null":
				*f = null[string]()
			case "blank":
				*f = set(" ")
			}
			_, err := e.create(system(), in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != field {
				t.Errorf("%s %s: %v", field, how, err)
			}
		}
	}
	if got := e.storedOrgs(); got != 0 {
		t.Fatalf("refused creates left %d organizations", got)
	}
}

// storedOrgs counts the organization records in the store.
func (e *orgEnv) storedOrgs() int {
	e.t.Helper()
	n := 0
	if err := e.st.View(func(tx store.Tx) error {
		return store.ScanJSON(tx, store.OrgPrefix(), func(orgRecord) error { n++; return nil })
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestPatchBodyMergeSemantics decodes real PATCH bodies: an absent field
// stays, null clears an optional one, metadata is replaced as a whole.
func TestPatchBodyMergeSemantics(t *testing.T) {
	e := newOrgEnv(t)
	in := input("Firma")
	in.DisplayName = set("Firma Anzeige")
	in.State = set("Berlin")
	in.Metadata = Field[map[string]string]{Set: true, V: map[string]string{"a": "1", "b": "2"}}
	in.BillingOptions = Field[BillingOptions]{Set: true, V: BillingOptions{GLN: "9012345000004"}}
	o := e.mustCreate(system(), in)
	v := system(o.ID)

	patch := func(body string) (*Organization, error) {
		t.Helper()
		var p Input
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return e.s.Patch(e.ctx, v, o.ID, p)
	}
	got, err := patch(`{"town":"Hamburg"}`)
	if err != nil || got.Town != "Hamburg" || got.Name != "Firma" || got.DisplayName != "Firma Anzeige" || got.State != "Berlin" || len(got.Metadata) != 2 {
		t.Fatalf("absent fields must stay: %+v %v", got, err)
	}
	got, err = patch(`{"display_name":null,"metadata":{"c":"3"}}`)
	if err != nil || got.DisplayName != "" || !slices.Equal(keysOf(got.Metadata), []string{"c"}) || got.State != "Berlin" {
		t.Fatalf("null clears, metadata is replaced: %+v %v", got, err)
	}
	got, err = patch(`{"metadata":{}}`)
	if err != nil || got.Metadata != nil {
		t.Fatalf("empty metadata must clear it: %+v %v", got.Metadata, err)
	}
	got, err = patch(`{"managed_configuration":{"withhold_billing":true}}`)
	if err != nil || got.BillingOptions == nil || !got.BillingOptions.WithholdBilling || got.BillingOptions.GLN != "9012345000004" {
		t.Fatalf("the deprecated managed_configuration sets withhold_billing only: %+v %v", got.BillingOptions, err)
	}
	got, err = patch(`{"billing_options":null}`)
	if err != nil || got.BillingOptions != nil {
		t.Fatalf("billing_options null: %+v %v", got.BillingOptions, err)
	}
	// Required fields cannot be cleared, and a refused patch changes nothing.
	for _, body := range []string{`{"zip":null}`, `{"town":""}`, `{"country_code":null}`, `{"address_line1":null,"town":"Köln"}`, `{"name":null}`} {
		if _, err := patch(body); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
	stored, _, err := e.s.Get(v, o.ID)
	if err != nil || stored.Town != "Hamburg" || stored.Zip != "10115" || stored.AddressLine1 != "Weg 1" {
		t.Fatalf("a refused patch changed the record: %+v %v", stored, err)
	}
	// The audit log names the changed fields, never their values.
	entries, _, err := e.s.Audit(v, o.ID, 1, 0)
	if err != nil || len(entries) != 1 || !slices.Equal(entries[0].Fields, []string{"billing_options"}) {
		t.Fatalf("last audit entry %+v %v", entries, err)
	}
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestChangedFieldsNamesEverySetField(t *testing.T) {
	var in Input
	body := `{"name":"n","display_name":null,"address_line1":"a","address_line2":"b","zip":"z","town":"t","state":"s",
		"country_code":"DEU","vat_id":"v","tax_number":"x","economy_id":"e","contact_person_id":"c","billing_address_id":"b",
		"metadata":{},"managed_by_organization_id":""}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	want := []string{"name", "display_name", "address_line1", "address_line2", "zip", "town", "state", "country_code", "vat_id",
		"tax_number", "economy_id", "contact_person_id", "billing_address_id", "metadata", "managed_by_organization_id"}
	if got := in.changedFields(); !slices.Equal(got, want) {
		t.Fatalf("%q\nwant %q", got, want)
	}
	var only Input
	_ = json.Unmarshal([]byte(`{"managed_configuration":{"withhold_billing":false}}`), &only)
	if got := only.changedFields(); !slices.Equal(got, []string{"billing_options"}) {
		t.Fatalf("managed_configuration is a billing_options change: %q", got)
	}
}

func TestMasterDataGaps(t *testing.T) {
	full := Organization{AddressLine1: "Weg 1", Zip: "10115", Town: "Berlin", TaxNumber: "2181508150"}
	cases := []struct {
		name string
		edit func(*Organization)
		want []string
	}{
		{"complete", func(*Organization) {}, nil},
		{"a VAT id instead of a tax number", func(o *Organization) { o.TaxNumber, o.VatID = "", "DE123456789" }, nil},
		{"the bootstrap placeholders", func(o *Organization) {
			o.AddressLine1, o.Zip, o.Town = PlaceholderText, PlaceholderZip, PlaceholderText
		}, []string{`address_line1 is the placeholder "(not set)"`, `zip is the placeholder "00000"`, `town is the placeholder "(not set)"`}},
		{"blank town, no tax identity", func(o *Organization) { o.Town, o.TaxNumber = "  ", "" }, []string{"town is empty", "neither tax_number nor vat_id is set"}},
	}
	for _, c := range cases {
		o := full
		c.edit(&o)
		if got := o.MasterDataGaps(); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFieldUnmarshal(t *testing.T) {
	var in struct {
		A Field[string] `json:"a"`
		B Field[string] `json:"b"`
		C Field[string] `json:"c"`
		D Field[int]    `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"a":"x","b": null ,"d":7}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.A != (Field[string]{Set: true, V: "x"}) || in.B != (Field[string]{Set: true, Null: true}) || in.C.Set || in.D.Value() != 7 {
		t.Fatalf("%+v", in)
	}
	if err := json.Unmarshal([]byte(`{"d":"seven"}`), &in); err == nil {
		t.Fatal("a string for an int field accepted")
	}
}
