package org

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"
)

// Organization types, as in the cloud's `_type`.
const (
	TypeOrganization = "ORGANIZATION"
	TypeManaged      = "MANAGED_ORGANIZATION"
)

// Environments.
const (
	EnvTest = "TEST"
	EnvLive = "LIVE"
)

// Organization is the Management API's organization object (§4.2). It is
// also what the store keeps, wrapped in orgRecord.
type Organization struct {
	ID               string            `json:"_id"`
	Type             string            `json:"_type" enum:"ORGANIZATION,MANAGED_ORGANIZATION"`
	Envs             []string          `json:"_envs" enum:"TEST,LIVE" nullable:"false"`
	Name             string            `json:"name"`
	DisplayName      string            `json:"display_name,omitempty"`
	AddressLine1     string            `json:"address_line1,omitempty"`
	AddressLine2     string            `json:"address_line2,omitempty"`
	Zip              string            `json:"zip,omitempty"`
	Town             string            `json:"town,omitempty"`
	State            string            `json:"state,omitempty"`
	CountryCode      string            `json:"country_code,omitempty"`
	VatID            string            `json:"vat_id,omitempty"`
	TaxNumber        string            `json:"tax_number,omitempty"`
	EconomyID        string            `json:"economy_id,omitempty"`
	ContactPersonID  string            `json:"contact_person_id,omitempty"`
	BillingAddressID string            `json:"billing_address_id,omitempty"`
	BillingOptions   *BillingOptions   `json:"billing_options,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	ManagedBy        string            `json:"managed_by_organization_id,omitempty"`
	CreatedByUser    string            `json:"created_by_user,omitempty"`
	// Extensions (docs/management-api.md).
	AdministeredBy string `json:"administered_by_organization_id,omitempty"`
	HasLogo        bool   `json:"has_logo,omitempty"`
	CreatedAt      int64  `json:"created_at"`
	UpdatedAt      int64  `json:"updated_at"`
}

// BillingOptions of an organization (§4.2).
type BillingOptions struct {
	GLN                string `json:"gln,omitempty"`
	WithholdBilling    bool   `json:"withhold_billing"`
	BillToOrganization string `json:"bill_to_organization,omitempty"`
}

// HasEnv reports whether env is enabled for o.
func (o *Organization) HasEnv(env string) bool {
	for _, e := range o.Envs {
		if e == env {
			return true
		}
	}
	return false
}

// orgRecord is the stored form: the wire object plus a record version.
type orgRecord struct {
	V int `json:"v"`
	Organization
}

// Input is the body of create and patch. Every field is optional at the
// type level; Validate* decide what each operation requires.
type Input struct {
	Name             Field[string]            `json:"name"`
	DisplayName      Field[string]            `json:"display_name"`
	AddressLine1     Field[string]            `json:"address_line1"`
	AddressLine2     Field[string]            `json:"address_line2"`
	Zip              Field[string]            `json:"zip"`
	Town             Field[string]            `json:"town"`
	State            Field[string]            `json:"state"`
	CountryCode      Field[string]            `json:"country_code"`
	VatID            Field[string]            `json:"vat_id"`
	TaxNumber        Field[string]            `json:"tax_number"`
	EconomyID        Field[string]            `json:"economy_id"`
	ContactPersonID  Field[string]            `json:"contact_person_id"`
	BillingAddressID Field[string]            `json:"billing_address_id"`
	BillingOptions   Field[BillingOptions]    `json:"billing_options"`
	Metadata         Field[map[string]string] `json:"metadata"`
	ManagedBy        Field[string]            `json:"managed_by_organization_id"`
	// Deprecated v0 field, still accepted: managed_configuration.withhold_billing.
	ManagedConfiguration Field[struct {
		WithholdBilling bool `json:"withhold_billing"`
	}] `json:"managed_configuration"`
	// GenerateAPIKey (extension) asks create to return a key for the new org.
	GenerateAPIKey Field[bool] `json:"generate_api_key"`
}

// Sentinel errors. The api package maps each to a status and E_ code.
var (
	ErrNotFound         = errors.New("organization not found")
	ErrParentNotFound   = errors.New("managing organization not found")
	ErrNestedManaged    = errors.New("a managed organization cannot manage other organizations")
	ErrHasManaged       = errors.New("organization manages other organizations")
	ErrSelfManaged      = errors.New("an organization cannot manage itself")
	ErrForbidden        = errors.New("access denied")
	ErrEnvNotEnabled    = errors.New("environment not enabled for the organization")
	ErrLivePrecondition = errors.New("organization does not meet the requirements for LIVE")
	ErrParentChange     = errors.New("a managed organization cannot change who manages it; its managing organization can")
	ErrMainOrgByUser    = errors.New("from the dashboard only installation administrators create main organizations; create a managed organization, or use an API key of a main organization")
)

// ValidationError names the field that failed and why.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

func invalid(field, format string, a ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

var (
	vatIDRe     = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9+*.]{2,13}$`)
	vatIDDERe   = regexp.MustCompile(`^DE[0-9]{9}$`)
	economyIDRe = regexp.MustCompile(`^DE[0-9]{9}(-[0-9]{5})?$`)
	taxNumberRe = regexp.MustCompile(`^[0-9][0-9/ ]*[0-9]$`)
	glnRe       = regexp.MustCompile(`^[0-9]{13}$`)
)

// GermanTaxNumber reports whether t has the form of a German Steuernummer:
// 10 to 13 digits, '/' and spaces allowed between them.
func GermanTaxNumber(t string) bool {
	digits := strings.Count(t, "") - 1 - strings.Count(t, "/") - strings.Count(t, " ")
	return taxNumberRe.MatchString(t) && digits >= 10 && digits <= 13
}

// Placeholders a headless bootstrap writes for the address fields that
// creating an organization requires (auth.Bootstrap); the owner is to
// replace them.
const (
	PlaceholderText = "(not set)"
	PlaceholderZip  = "00000"
)

// MasterDataGaps names the fields of o that audit files (DSFinV-K
// cashpointclosing.csv and location.csv, PDF reports) would carry as
// placeholders or leave empty, each with what is wrong.
func (o *Organization) MasterDataGaps() []string {
	var gaps []string
	for _, f := range []struct{ name, v, placeholder string }{
		{"address_line1", o.AddressLine1, PlaceholderText}, {"zip", o.Zip, PlaceholderZip}, {"town", o.Town, PlaceholderText},
	} {
		switch strings.TrimSpace(f.v) {
		case "":
			gaps = append(gaps, f.name+" is empty")
		case f.placeholder:
			gaps = append(gaps, fmt.Sprintf("%s is the placeholder %q", f.name, f.v))
		}
	}
	if o.TaxNumber == "" && o.VatID == "" {
		gaps = append(gaps, "neither tax_number nor vat_id is set")
	}
	return gaps
}

// ValidCountry reports whether c is an ISO 3166-1 alpha-3 country code.
func ValidCountry(c string) bool {
	if len(c) != 3 || strings.ToUpper(c) != c {
		return false
	}
	r, err := language.ParseRegion(c)
	return err == nil && r.IsCountry() && r.ISO3() == c
}

// Metadata limits of the fiskaly APIs.
const (
	MaxMetadataKeys     = 40
	MaxMetadataKeyLen   = 40
	MaxMetadataValueLen = 500
)

// ValidateMetadata enforces the cloud's metadata limits.
func ValidateMetadata(field string, m map[string]string) error {
	if len(m) > MaxMetadataKeys {
		return invalid(field, "at most %d keys, got %d", MaxMetadataKeys, len(m))
	}
	for k, v := range m {
		if k == "" || utf8.RuneCountInString(k) > MaxMetadataKeyLen {
			return invalid(field, "key %q must have 1 to %d characters", k, MaxMetadataKeyLen)
		}
		if utf8.RuneCountInString(v) > MaxMetadataValueLen {
			return invalid(field, "value of %q exceeds %d characters", k, MaxMetadataValueLen)
		}
	}
	return nil
}

// textField checks a free-text field's length.
func textField(name string, f Field[string], min, max int) error {
	if !f.Set || f.Null {
		return nil
	}
	n := utf8.RuneCountInString(strings.TrimSpace(f.V))
	if n < min || utf8.RuneCountInString(f.V) > max {
		if min > 0 {
			return invalid(name, "must have %d to %d characters", min, max)
		}
		return invalid(name, "must have at most %d characters", max)
	}
	return nil
}

// validate checks the format of every field that is set.
func (in *Input) validate() error {
	checks := []error{
		textField("name", in.Name, 3, 200),
		textField("display_name", in.DisplayName, 0, 200),
		textField("address_line1", in.AddressLine1, 1, 200),
		textField("address_line2", in.AddressLine2, 0, 200),
		textField("zip", in.Zip, 1, 20),
		textField("town", in.Town, 1, 100),
		textField("state", in.State, 0, 100),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if in.Name.Set && in.Name.Null {
		return invalid("name", "must not be null")
	}
	if f := in.CountryCode; f.Set && !f.Null && !ValidCountry(f.V) {
		return invalid("country_code", "%q is not an ISO 3166-1 alpha-3 country code (e.g. DEU)", f.V)
	}
	if f := in.VatID; f.Set && !f.Null && f.V != "" {
		if !vatIDRe.MatchString(f.V) || (strings.HasPrefix(f.V, "DE") && !vatIDDERe.MatchString(f.V)) {
			return invalid("vat_id", "%q is not a VAT id (country prefix and number; German ones are DE and 9 digits)", f.V)
		}
	}
	// The cloud takes any tax number on create (its recorded data holds a
	// German organization with "IT123456789"); the German form is checked
	// when the organization goes LIVE (LiveRequirements). Here only what
	// DSFinV-K can carry: STNR has at most 20 characters.
	if f := in.TaxNumber; f.Set && !f.Null && f.V != "" {
		if utf8.RuneCountInString(f.V) > 20 || strings.ContainsFunc(f.V, unicode.IsControl) || strings.TrimSpace(f.V) == "" {
			return invalid("tax_number", "must have 1 to 20 printable characters")
		}
	}
	if f := in.EconomyID; f.Set && !f.Null && f.V != "" && !economyIDRe.MatchString(f.V) {
		return invalid("economy_id", "%q is not a Wirtschafts-Identifikationsnummer (DE, 9 digits, optional -5 digits)", f.V)
	}
	for name, f := range map[string]Field[string]{"contact_person_id": in.ContactPersonID, "billing_address_id": in.BillingAddressID, "managed_by_organization_id": in.ManagedBy} {
		if f.Set && !f.Null && f.V != "" && uuid.Validate(f.V) != nil {
			return invalid(name, "%q is not a UUID", f.V)
		}
	}
	if f := in.BillingOptions; f.Set && !f.Null {
		if f.V.GLN != "" && !glnRe.MatchString(f.V.GLN) {
			return invalid("billing_options.gln", "%q is not a 13-digit GLN", f.V.GLN)
		}
		if b := f.V.BillToOrganization; b != "" && uuid.Validate(b) != nil {
			return invalid("billing_options.bill_to_organization", "%q is not a UUID", b)
		}
	}
	if f := in.Metadata; f.Set && !f.Null {
		if err := ValidateMetadata("metadata", f.V); err != nil {
			return err
		}
	}
	return nil
}

// requireForCreate checks the fields create needs (RUBY/SYT: name,
// address_line1, zip, town, country_code).
func (in *Input) requireForCreate() error {
	for _, r := range []struct {
		name string
		f    Field[string]
	}{{"name", in.Name}, {"address_line1", in.AddressLine1}, {"zip", in.Zip}, {"town", in.Town}, {"country_code", in.CountryCode}} {
		if !r.f.Set || r.f.Null || strings.TrimSpace(r.f.V) == "" {
			return invalid(r.name, "is required")
		}
	}
	return nil
}

// apply copies every set field of in onto o; null clears optional fields.
func (in *Input) apply(o *Organization) {
	str := func(dst *string, f Field[string]) {
		if f.Set {
			*dst = f.V // null leaves V empty: cleared
		}
	}
	str(&o.Name, in.Name)
	str(&o.DisplayName, in.DisplayName)
	str(&o.AddressLine1, in.AddressLine1)
	str(&o.AddressLine2, in.AddressLine2)
	str(&o.Zip, in.Zip)
	str(&o.Town, in.Town)
	str(&o.State, in.State)
	str(&o.CountryCode, in.CountryCode)
	str(&o.VatID, in.VatID)
	str(&o.TaxNumber, in.TaxNumber)
	str(&o.EconomyID, in.EconomyID)
	str(&o.ContactPersonID, in.ContactPersonID)
	str(&o.BillingAddressID, in.BillingAddressID)
	if in.BillingOptions.Set {
		if in.BillingOptions.Null {
			o.BillingOptions = nil
		} else {
			b := in.BillingOptions.V
			o.BillingOptions = &b
		}
	}
	if in.ManagedConfiguration.Set && !in.ManagedConfiguration.Null {
		if o.BillingOptions == nil {
			o.BillingOptions = &BillingOptions{}
		}
		o.BillingOptions.WithholdBilling = in.ManagedConfiguration.V.WithholdBilling
	}
	// An organization's metadata is replaced as a whole, not merged: the
	// cloud's organization PATCH carries the complete object.
	if in.Metadata.Set {
		o.Metadata = in.Metadata.V
		if len(o.Metadata) == 0 {
			o.Metadata = nil
		}
	}
}

// changedFields lists the JSON names of the fields set in in, for the
// audit log (names only, never values).
func (in *Input) changedFields() []string {
	var out []string
	add := func(name string, set bool) {
		if set {
			out = append(out, name)
		}
	}
	add("name", in.Name.Set)
	add("display_name", in.DisplayName.Set)
	add("address_line1", in.AddressLine1.Set)
	add("address_line2", in.AddressLine2.Set)
	add("zip", in.Zip.Set)
	add("town", in.Town.Set)
	add("state", in.State.Set)
	add("country_code", in.CountryCode.Set)
	add("vat_id", in.VatID.Set)
	add("tax_number", in.TaxNumber.Set)
	add("economy_id", in.EconomyID.Set)
	add("contact_person_id", in.ContactPersonID.Set)
	add("billing_address_id", in.BillingAddressID.Set)
	add("billing_options", in.BillingOptions.Set || in.ManagedConfiguration.Set)
	add("metadata", in.Metadata.Set)
	add("managed_by_organization_id", in.ManagedBy.Set)
	return out
}
