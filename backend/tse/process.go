package tse

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// processType values (tse-formats §5.2).
const (
	TypeReceipt = "Kassenbeleg-V1"
	TypeOrder   = "Bestellung-V1"
	TypeOther   = "SonstigerVorgang"
)

// Schema is a transaction's `schema` object (fiskaly-api §3.4): exactly
// one of its members is set.
type Schema struct {
	StandardV1 *StandardV1      `json:"standard_v1,omitempty"`
	Raw        *RawSchema       `json:"raw,omitempty"`
	DsfinvtwV1 *json.RawMessage `json:"dsfinvtw_v1,omitempty"`
}

// StandardV1 holds one of receipt, order, other.
type StandardV1 struct {
	Receipt *Receipt        `json:"receipt,omitempty"`
	Order   *Order          `json:"order,omitempty"`
	Other   json.RawMessage `json:"other,omitempty"`
}

type Receipt struct {
	ReceiptType           string          `json:"receipt_type"`
	AmountsPerVatRate     []VatAmount     `json:"amounts_per_vat_rate"`
	AmountsPerPaymentType []PaymentAmount `json:"amounts_per_payment_type,omitempty"`
}

type VatAmount struct {
	VatRate string `json:"vat_rate"`
	Amount  string `json:"amount"`
}

type PaymentAmount struct {
	PaymentType  string `json:"payment_type"`
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currency_code,omitempty"`
}

type Order struct {
	LineItems []LineItem `json:"line_items"`
}

type LineItem struct {
	Quantity     string `json:"quantity"`
	Text         string `json:"text"`
	PricePerUnit string `json:"price_per_unit"`
}

type RawSchema struct {
	ProcessType string `json:"process_type"`
	ProcessData string `json:"process_data"` // base64
}

// SchemaError names the schema field that is wrong.
type SchemaError struct{ Field, Msg string }

func (e *SchemaError) Error() string { return "schema." + e.Field + ": " + e.Msg }

func schemaErr(field, format string, a ...any) error {
	return &SchemaError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// BON_TYP of each receipt_type (DSFinV-K).
var bonTyp = map[string]string{
	"RECEIPT": "Beleg", "TRAINING": "AVTraining", "TRANSFER": "AVTransfer", "ORDER": "AVBestellung",
	"CANCELLATION": "AVBelegabbruch", "ABORT": "AVBelegabbruch", "BENEFIT_IN_KIND": "AVSachbezug",
	"INVOICE": "AVRechnung", "OTHER": "AVSonstige", "ANNULATION": "AVBelegstorno",
}

// vatSlot is the position of a vat_rate among the five gross amounts.
var vatSlot = map[string]int{
	"NORMAL": 0, "19": 0, "REDUCED_1": 1, "7": 1, "SPECIAL_RATE_1": 2, "10.7": 2,
	"SPECIAL_RATE_2": 3, "5.5": 3, "NULL": 4, "0": 4,
}

var (
	amountRe   = regexp.MustCompile(`^-?\d+(\.\d{2,5})$`)
	quantityRe = regexp.MustCompile(`^-?\d+(\.\d{1,5})?$`)
	currencyRe = regexp.MustCompile(`^[a-zA-Z]{3}$`)
)

// Process returns the processType and processData a schema describes
// (tse-formats §5.3–5.4). A nil schema has neither.
func (s *Schema) Process() (string, []byte, error) {
	if s == nil {
		return "", nil, nil
	}
	n := 0
	for _, set := range []bool{s.StandardV1 != nil, s.Raw != nil, s.DsfinvtwV1 != nil} {
		if set {
			n++
		}
	}
	if n == 0 {
		return "", nil, nil
	}
	if n > 1 {
		return "", nil, schemaErr("", "must have exactly one of standard_v1, raw, dsfinvtw_v1")
	}
	switch {
	case s.Raw != nil:
		if s.Raw.ProcessType == "" || utf8.RuneCountInString(s.Raw.ProcessType) > 30 {
			return "", nil, schemaErr("raw.process_type", "is required (at most 30 characters)")
		}
		data, err := base64.StdEncoding.DecodeString(s.Raw.ProcessData)
		if err != nil {
			return "", nil, schemaErr("raw.process_data", "must be base64")
		}
		return s.Raw.ProcessType, data, nil
	case s.DsfinvtwV1 != nil:
		return "", nil, schemaErr("dsfinvtw_v1", "is not supported by fiskaldesk (taxi meters); use standard_v1 or raw")
	}
	sv := s.StandardV1
	// "other": null is absent, as null receipt and order are: serializers
	// that write every field send it next to the one they mean.
	hasOther := len(sv.Other) > 0 && string(sv.Other) != "null"
	m := 0
	for _, set := range []bool{sv.Receipt != nil, sv.Order != nil, hasOther} {
		if set {
			m++
		}
	}
	if m != 1 {
		return "", nil, schemaErr("standard_v1", "must have exactly one of receipt, order, other")
	}
	switch {
	case sv.Receipt != nil:
		d, err := sv.Receipt.processData()
		return TypeReceipt, []byte(d), err
	case sv.Order != nil:
		d, err := sv.Order.processData()
		return TypeOrder, []byte(d), err
	}
	return TypeOther, []byte(sv.Other), nil
}

// cents parses an amount of the API pattern into hundred-thousandths.
func units(field, s string, re *regexp.Regexp) (int64, error) {
	if !re.MatchString(s) {
		return 0, schemaErr(field, "%q does not match %s", s, re)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00000")[:5]
	if len(whole) > 12 {
		return 0, schemaErr(field, "%q is too large", s)
	}
	var v int64
	for _, c := range whole + frac {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// addUnits adds an amount to a sum, refusing what int64 cannot hold:
// about 92 amounts of the largest size would otherwise wrap around into
// a signed negative number.
func addUnits(field string, sum, u int64) (int64, error) {
	if (u > 0 && sum > math.MaxInt64-u) || (u < 0 && sum < math.MinInt64-u) {
		return 0, schemaErr(field, "the sum of the amounts is too large")
	}
	return sum + u, nil
}

// format2 writes hundred-thousandths with two decimals, truncating the
// rest (DSFinV-K: "further decimals are cut off"). What truncates to zero
// is 0.00, never -0.00.
func format2(u int64) string {
	c := u / 1000 // Go truncates toward zero
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func (r *Receipt) processData() (string, error) {
	typ, ok := bonTyp[r.ReceiptType]
	if !ok {
		return "", schemaErr("standard_v1.receipt.receipt_type", "%q is not a receipt type", r.ReceiptType)
	}
	if r.AmountsPerVatRate == nil {
		return "", schemaErr("standard_v1.receipt.amounts_per_vat_rate", "is required")
	}
	var gross [5]int64
	for i, a := range r.AmountsPerVatRate {
		slot, ok := vatSlot[a.VatRate]
		if !ok {
			return "", schemaErr(fmt.Sprintf("standard_v1.receipt.amounts_per_vat_rate[%d].vat_rate", i), "%q is not a VAT rate", a.VatRate)
		}
		f := fmt.Sprintf("standard_v1.receipt.amounts_per_vat_rate[%d].amount", i)
		u, err := units(f, a.Amount, amountRe)
		if err != nil {
			return "", err
		}
		if gross[slot], err = addUnits(f, gross[slot], u); err != nil {
			return "", err
		}
	}
	parts := make([]string, 5)
	for i, g := range gross {
		parts[i] = format2(g)
	}
	// Payments of the same kind and currency are summed, in order of first appearance.
	type key struct{ kind, cur string }
	var order []key
	sums := map[key]int64{}
	for i, p := range r.AmountsPerPaymentType {
		f := fmt.Sprintf("standard_v1.receipt.amounts_per_payment_type[%d]", i)
		kind := map[string]string{"CASH": "Bar", "NON_CASH": "Unbar"}[p.PaymentType]
		if kind == "" {
			return "", schemaErr(f+".payment_type", "must be CASH or NON_CASH")
		}
		cur := strings.ToUpper(p.CurrencyCode)
		if cur != "" && !currencyRe.MatchString(cur) {
			return "", schemaErr(f+".currency_code", "%q is not a currency code", p.CurrencyCode)
		}
		if cur == "EUR" {
			cur = ""
		}
		u, err := units(f+".amount", p.Amount, amountRe)
		if err != nil {
			return "", err
		}
		k := key{kind, cur}
		if _, seen := sums[k]; !seen {
			order = append(order, k)
		}
		if sums[k], err = addUnits(f+".amount", sums[k], u); err != nil {
			return "", err
		}
	}
	pays := make([]string, 0, len(order))
	for _, k := range order {
		p := format2(sums[k]) + ":" + k.kind
		if k.cur != "" {
			p += ":" + k.cur
		}
		pays = append(pays, p)
	}
	return typ + "^" + strings.Join(parts, "_") + "^" + strings.Join(pays, "_"), nil
}

func (o *Order) processData() (string, error) {
	if len(o.LineItems) == 0 {
		return "", schemaErr("standard_v1.order.line_items", "needs at least one item")
	}
	lines := make([]string, len(o.LineItems))
	for i, li := range o.LineItems {
		f := fmt.Sprintf("standard_v1.order.line_items[%d]", i)
		if _, err := units(f+".quantity", li.Quantity, quantityRe); err != nil {
			return "", err
		}
		if _, err := units(f+".price_per_unit", li.PricePerUnit, amountRe); err != nil {
			return "", err
		}
		if li.Text == "" || utf8.RuneCountInString(li.Text) > 255 {
			return "", schemaErr(f+".text", "must have 1 to 255 characters")
		}
		lines[i] = li.Quantity + `;"` + strings.ReplaceAll(li.Text, `"`, `""`) + `";` + li.PricePerUnit
	}
	return strings.Join(lines, "\r"), nil
}

// AbortData is the processData of a transaction cancelled without data.
const AbortData = "AVBelegabbruch^0.00_0.00_0.00_0.00_0.00^"

// ErrNoSchema is returned where a schema is required but absent.
var ErrNoSchema = errors.New("no schema")
