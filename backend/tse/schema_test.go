package tse

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Schema.Process: every processData builder and every refusal, from the
// JSON a POS sends.
func TestSchemaProcess(t *testing.T) {
	receipt := func(vat, pay string) string {
		return `{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[` + vat + `],"amounts_per_payment_type":[` + pay + `]}}}`
	}
	v := func(rate, amount string) string { return `{"vat_rate":"` + rate + `","amount":"` + amount + `"}` }
	p := func(kind, amount, cur string) string {
		return `{"payment_type":"` + kind + `","amount":"` + amount + `","currency_code":"` + cur + `"}`
	}
	order := func(items ...string) string {
		return `{"standard_v1":{"order":{"line_items":[` + strings.Join(items, ",") + `]}}}`
	}
	item := func(q, text, price string) string {
		b, _ := json.Marshal(map[string]string{"quantity": q, "text": text, "price_per_unit": price})
		return string(b)
	}
	ok := []struct {
		name, schema, typ, data string
	}{
		{"no schema", `{}`, "", ""},
		{"all five rates", receipt(v("NORMAL", "19.00")+","+v("REDUCED_1", "7.00")+","+v("SPECIAL_RATE_1", "10.70")+","+v("SPECIAL_RATE_2", "5.50")+","+v("NULL", "1.00"), p("CASH", "43.20", "")),
			TypeReceipt, "Beleg^19.00_7.00_10.70_5.50_1.00^43.20:Bar"},
		{"rates by number, summed per slot", receipt(v("19", "1.00")+","+v("NORMAL", "2.00")+","+v("7", "0.50")+","+v("10.7", "1.00")+","+v("5.5", "1.00")+","+v("0", "3.00"), ""),
			TypeReceipt, "Beleg^3.00_0.50_1.00_1.00_3.00^"},
		{"five decimals cut, not rounded", receipt(v("NORMAL", "1.99999"), p("NON_CASH", "1.99999", "")), TypeReceipt, "Beleg^1.99_0.00_0.00_0.00_0.00^1.99:Unbar"},
		{"cut after summing", receipt(v("NORMAL", "0.005")+","+v("NORMAL", "0.005"), ""), TypeReceipt, "Beleg^0.01_0.00_0.00_0.00_0.00^"},
		{"empty rate list", receipt("", ""), TypeReceipt, "Beleg^0.00_0.00_0.00_0.00_0.00^"},
		{"payments summed per kind and currency in first order", receipt(v("NORMAL", "10.00"),
			p("NON_CASH", "1.00", "")+","+p("CASH", "2.00", "EUR")+","+p("NON_CASH", "3.00", "eur")+","+p("CASH", "4.00", "chf")+","+p("CASH", "5.00", "CHF")),
			TypeReceipt, "Beleg^10.00_0.00_0.00_0.00_0.00^4.00:Unbar_2.00:Bar_9.00:Bar:CHF"},
		{"twelve-digit amounts", receipt(v("NORMAL", "999999999999.99"), p("CASH", "-999999999999.99", "")), TypeReceipt,
			"Beleg^999999999999.99_0.00_0.00_0.00_0.00^-999999999999.99:Bar"},
		{"order", order(item("1", "Kaffee", "2.50"), item("-2.5", `Ä "x";y`, "-0.10")), TypeOrder, "1;\"Kaffee\";2.50\r-2.5;\"Ä \"\"x\"\";y\";-0.10"},
		{"order text of 255 characters", order(item("1", strings.Repeat("ü", 255), "1.00")), TypeOrder, "1;\"" + strings.Repeat("ü", 255) + "\";1.00"},
		{"other", `{"standard_v1":{"other":{"a":[1,2]}}}`, TypeOther, `{"a":[1,2]}`},
		// Serializers that write every field send null for the others.
		{"receipt with null siblings", `{"raw":null,"dsfinvtw_v1":null,"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[],"amounts_per_payment_type":null},"order":null,"other":null}}`,
			TypeReceipt, "Beleg^0.00_0.00_0.00_0.00_0.00^"},
		{"order with null siblings", `{"standard_v1":{"receipt":null,"order":{"line_items":[` + item("1", "x", "1.00") + `]},"other":null}}`, TypeOrder, `1;"x";1.00`},
		{"raw", `{"raw":{"process_type":"Kassenbeleg-V1","process_data":"QmVsZWdeMS4wMA=="}}`, TypeReceipt, "Beleg^1.00"},
		{"raw of 30 characters", `{"raw":{"process_type":"` + strings.Repeat("Ö", 30) + `","process_data":""}}`, strings.Repeat("Ö", 30), ""},
	}
	for _, c := range ok {
		var s Schema
		if err := json.Unmarshal([]byte(c.schema), &s); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		typ, data, err := s.Process()
		if err != nil || typ != c.typ || string(data) != c.data {
			t.Errorf("%s: %q %q %v\nwant %q %q", c.name, typ, data, err, c.typ, c.data)
		}
	}
	var nilSchema *Schema
	if typ, data, err := nilSchema.Process(); typ != "" || data != nil || err != nil {
		t.Fatal("nil schema")
	}
	bad := []struct {
		name, schema, field string
	}{
		{"two kinds", `{"raw":{"process_type":"X","process_data":""},"standard_v1":{"other":{}}}`, ""},
		{"taxi meters", `{"dsfinvtw_v1":{}}`, "dsfinvtw_v1"},
		{"empty standard_v1", `{"standard_v1":{}}`, "standard_v1"},
		{"only nulls", `{"standard_v1":{"receipt":null,"order":null,"other":null}}`, "standard_v1"},
		{"receipt and order", `{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[]},"order":{"line_items":[]}}}`, "standard_v1"},
		{"raw without type", `{"raw":{"process_type":"","process_data":""}}`, "raw.process_type"},
		{"raw type of 31", `{"raw":{"process_type":"` + strings.Repeat("x", 31) + `","process_data":""}}`, "raw.process_type"},
		{"raw data not base64", `{"raw":{"process_type":"X","process_data":"%%%"}}`, "raw.process_data"},
		{"receipt type", `{"standard_v1":{"receipt":{"receipt_type":"SALE","amounts_per_vat_rate":[]}}}`, "standard_v1.receipt.receipt_type"},
		{"no rate list", `{"standard_v1":{"receipt":{"receipt_type":"RECEIPT"}}}`, "standard_v1.receipt.amounts_per_vat_rate"},
		{"unknown rate", receipt(v("16", "1.00"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].vat_rate"},
		{"amount without decimals", receipt(v("NORMAL", "1"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"amount with one decimal", receipt(v("NORMAL", "1.5"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"amount with six decimals", receipt(v("NORMAL", "1.123456"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"amount with a plus", receipt(v("NORMAL", "+1.00"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"amount in exponent form", receipt(v("NORMAL", "1e3"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"amount with a comma", receipt(v("NORMAL", "1,00"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"thirteen digits", receipt(v("NORMAL", "1000000000000.00"), ""), "standard_v1.receipt.amounts_per_vat_rate[0].amount"},
		{"second rate wrong", receipt(v("NORMAL", "1.00")+","+v("NORMAL", "x"), ""), "standard_v1.receipt.amounts_per_vat_rate[1].amount"},
		{"payment kind", receipt(v("NORMAL", "1.00"), p("CARD", "1.00", "")), "standard_v1.receipt.amounts_per_payment_type[0].payment_type"},
		{"currency of two letters", receipt(v("NORMAL", "1.00"), p("CASH", "1.00", "EU")), "standard_v1.receipt.amounts_per_payment_type[0].currency_code"},
		{"currency with a symbol", receipt(v("NORMAL", "1.00"), p("CASH", "1.00", "€UR")), "standard_v1.receipt.amounts_per_payment_type[0].currency_code"},
		{"payment amount", receipt(v("NORMAL", "1.00"), p("CASH", "1.00", "")+","+p("CASH", "1", "")), "standard_v1.receipt.amounts_per_payment_type[1].amount"},
		{"order without items", order(), "standard_v1.order.line_items"},
		{"order quantity", order(item("1.123456", "x", "1.00")), "standard_v1.order.line_items[0].quantity"},
		{"order quantity with a comma", order(item("1,5", "x", "1.00")), "standard_v1.order.line_items[0].quantity"},
		{"order price", order(item("1", "x", "1")), "standard_v1.order.line_items[0].price_per_unit"},
		{"order text empty", order(item("1", "", "1.00")), "standard_v1.order.line_items[0].text"},
		{"order text of 256", order(item("1", "x", "1.00"), item("1", strings.Repeat("ü", 256), "1.00")), "standard_v1.order.line_items[1].text"},
	}
	for _, c := range bad {
		var s Schema
		if err := json.Unmarshal([]byte(c.schema), &s); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, _, err := s.Process()
		var se *SchemaError
		if !errors.As(err, &se) || se.Field != c.field {
			t.Errorf("%s: %v, want a schema error of %q", c.name, err, c.field)
			continue
		}
		if !strings.HasPrefix(err.Error(), "schema."+c.field+": ") {
			t.Errorf("%s: message %q", c.name, err)
		}
	}
}

// Every receipt_type has its BON_TYP.
func TestReceiptTypes(t *testing.T) {
	for rt, bon := range map[string]string{"RECEIPT": "Beleg", "TRAINING": "AVTraining", "TRANSFER": "AVTransfer", "ORDER": "AVBestellung",
		"CANCELLATION": "AVBelegabbruch", "ABORT": "AVBelegabbruch", "BENEFIT_IN_KIND": "AVSachbezug", "INVOICE": "AVRechnung",
		"OTHER": "AVSonstige", "ANNULATION": "AVBelegstorno"} {
		d, err := (&Receipt{ReceiptType: rt, AmountsPerVatRate: []VatAmount{}}).processData()
		if err != nil || d != bon+"^0.00_0.00_0.00_0.00_0.00^" {
			t.Errorf("%s: %q %v", rt, d, err)
		}
	}
	if !strings.HasPrefix(AbortData, "AVBelegabbruch^") || strings.Count(AbortData, "_") != 4 {
		t.Fatalf("AbortData %q", AbortData)
	}
}

func TestFormat2(t *testing.T) {
	for u, want := range map[int64]string{0: "0.00", 1: "0.00", 999: "0.00", 1000: "0.01", -999: "0.00", -1000: "-0.01", 12345678: "123.45",
		-12345678: "-123.45", 100000: "1.00", 99999999999999999: "999999999999.99"} {
		if got := format2(u); got != want {
			t.Errorf("format2(%d) = %q, want %q", u, got, want)
		}
	}
}

// Many maximal amounts of one rate or payment would overflow the sum;
// they are refused instead of signing a wrapped-around number.
func TestSumsDoNotOverflow(t *testing.T) {
	const max = "999999999999.99999" // 1e17 hundred-thousandths
	vat := make([]VatAmount, 93)
	pay := make([]PaymentAmount, 93)
	for i := range vat {
		vat[i] = VatAmount{VatRate: "NORMAL", Amount: max}
		pay[i] = PaymentAmount{PaymentType: "CASH", Amount: "-" + max}
	}
	var se *SchemaError
	if d, err := (&Receipt{ReceiptType: "RECEIPT", AmountsPerVatRate: vat}).processData(); !errors.As(err, &se) ||
		se.Field != "standard_v1.receipt.amounts_per_vat_rate[92].amount" {
		t.Fatalf("VAT sum: %q %v", d, err)
	}
	if d, err := (&Receipt{ReceiptType: "RECEIPT", AmountsPerVatRate: []VatAmount{}, AmountsPerPaymentType: pay}).processData(); !errors.As(err, &se) ||
		se.Field != "standard_v1.receipt.amounts_per_payment_type[92].amount" {
		t.Fatalf("payment sum: %q %v", d, err)
	}
	// 92 of them still fit and are summed exactly.
	d, err := (&Receipt{ReceiptType: "RECEIPT", AmountsPerVatRate: vat[:92], AmountsPerPaymentType: pay[:92]}).processData()
	if err != nil || d != "Beleg^91999999999999.99_0.00_0.00_0.00_0.00^-91999999999999.99:Bar" {
		t.Fatalf("%q %v", d, err)
	}
}
