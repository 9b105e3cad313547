package org

import (
	"strings"
	"testing"
)

func TestValidCountry(t *testing.T) {
	for c, want := range map[string]bool{"DEU": true, "AUT": true, "CHE": true, "ITA": true, "USA": true,
		"DE": false, "deu": false, "XYZ": false, "ZZZ": false, "276": false, "": false, "EUR": false} {
		if got := ValidCountry(c); got != want {
			t.Errorf("ValidCountry(%q) = %v", c, got)
		}
	}
}

func set(v string) Field[string] { return Field[string]{Set: true, V: v} }

func TestFieldFormats(t *testing.T) {
	cases := []struct {
		in    Input
		field string // "" = valid
	}{
		{Input{VatID: set("DE123456789")}, ""},
		{Input{VatID: set("ATU12345678")}, ""},
		{Input{VatID: set("DE12345678")}, "vat_id"},
		{Input{VatID: set("123456789")}, "vat_id"},
		{Input{TaxNumber: set("21/815/08150")}, ""},
		{Input{TaxNumber: set("2181508150")}, ""},
		{Input{TaxNumber: set("218 150 815 0")}, ""},
		// Any tax number is taken on create, as the cloud does; the German
		// form is a go-live requirement (TestLiveRequirements).
		{Input{TaxNumber: set("IT123456789")}, ""},
		{Input{TaxNumber: set("12345")}, ""},
		{Input{TaxNumber: set("123456789012345678901")}, "tax_number"},
		{Input{TaxNumber: set("12\n45")}, "tax_number"},
		{Input{EconomyID: set("DE123456789-00001")}, ""},
		{Input{EconomyID: set("DE123456789")}, ""},
		{Input{EconomyID: set("DE12345678")}, "economy_id"},
		{Input{ManagedBy: set("not-a-uuid")}, "managed_by_organization_id"},
		{Input{Name: set("ab")}, "name"},
		{Input{Name: set("   x ")}, "name"},
		{Input{Name: Field[string]{Set: true, Null: true}}, "name"},
		{Input{BillingOptions: Field[BillingOptions]{Set: true, V: BillingOptions{GLN: "9012345000004"}}}, ""},
		{Input{BillingOptions: Field[BillingOptions]{Set: true, V: BillingOptions{BillToOrganization: "x"}}}, "billing_options.bill_to_organization"},
	}
	for _, c := range cases {
		err := c.in.validate()
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%+v: unexpected %v", c.in, err)
		case c.field != "" && (err == nil || !strings.HasPrefix(err.Error(), c.field+":")):
			t.Errorf("%+v: error %v, want one on %s", c.in, err, c.field)
		}
	}
}

func TestLiveRequirements(t *testing.T) {
	o := &Organization{}
	if got := LiveRequirements(o); len(got) != 2 {
		t.Fatalf("empty org: %v", got)
	}
	o.TaxNumber = "2181508150"
	o.ManagedBy = "parent"
	if got := LiveRequirements(o); len(got) != 0 {
		t.Fatalf("managed org with tax number: %v", got)
	}
	o.ManagedBy = ""
	o.BillingOptions = &BillingOptions{BillToOrganization: "payer"}
	if got := LiveRequirements(o); len(got) != 0 {
		t.Fatalf("billed elsewhere: %v", got)
	}
	// A German org with a tax number not of the German form goes live only with a VAT id.
	for _, tn := range []string{"IT123456789", "12345", "12345678901234"} {
		o.TaxNumber, o.CountryCode = tn, "DEU"
		if got := LiveRequirements(o); len(got) != 1 || !strings.Contains(got[0], tn) {
			t.Fatalf("tax number %q: %v", tn, got)
		}
	}
	o.VatID = "DE123456789"
	if got := LiveRequirements(o); len(got) != 0 {
		t.Fatalf("with a VAT id: %v", got)
	}
	o.VatID, o.CountryCode = "", "ITA"
	if got := LiveRequirements(o); len(got) != 0 {
		t.Fatalf("an Italian org with an Italian number: %v", got)
	}
}

func TestRoles(t *testing.T) {
	if !RoleOwner.AtLeast(RoleAdmin) || RoleMember.AtLeast(RoleAdmin) || Role("").AtLeast(RoleMember) || ValidRole("root") {
		t.Fatal("role order broken")
	}
}
