package tse

import (
	"encoding/csv"
	"strings"
	"testing"
)

// Item texts with quotes and separators: the order lines stay three CSV
// fields each (quotes doubled, DSFinV-K's text rule), and the QR text of
// the order splits into exactly 12 fields that give the signed bytes back.
func TestOrderProcessDataAndQRParse(t *testing.T) {
	s := &Schema{StandardV1: &StandardV1{Order: &Order{LineItems: []LineItem{
		{Quantity: "1", Text: "Limo Orange 0.2l", PricePerUnit: "2.30"},
		{Quantity: "-1", Text: `Cola "Zero"; groß`, PricePerUnit: "3.10"},
		{Quantity: "2.5", Text: `"`, PricePerUnit: "0.50"},
	}}}}
	typ, data, err := s.Process()
	if err != nil || typ != TypeOrder {
		t.Fatal(typ, err)
	}
	want := "1;\"Limo Orange 0.2l\";2.30\r-1;\"Cola \"\"Zero\"\"; groß\";3.10\r2.5;\"\"\"\";0.50"
	if string(data) != want {
		t.Fatalf("processData %q\nwant %q", data, want)
	}
	// Each line is one CSV record of quantity, text, price.
	for i, line := range strings.Split(string(data), "\r") {
		r := csv.NewReader(strings.NewReader(line))
		r.Comma = ';'
		rec, err := r.Read()
		if err != nil || len(rec) != 3 || rec[1] != s.StandardV1.Order.LineItems[i].Text {
			t.Fatalf("line %d %q: %v %q", i, line, err, rec)
		}
	}
	qr := QRCodeData("POS 1", typ, data, 7, 42, 1700000000, 1700000005, make([]byte, 64), make([]byte, 65))
	// An independent split: encoding/csv with the QR's separator.
	r := csv.NewReader(strings.NewReader(qr))
	r.Comma = ';'
	f, err := r.Read()
	if err != nil || len(f) != 12 || f[3] != want || f[2] != TypeOrder || f[4] != "7" {
		t.Fatalf("QR %q: %v %q", qr, err, f)
	}
	if g, err := SplitQRCodeData(qr); err != nil || len(g) != 12 || g[3] != want {
		t.Fatalf("SplitQRCodeData: %v %q", err, g)
	}
	// A receipt's QR is untouched: Anhang I's plain form.
	rq := QRCodeData("POS 1", TypeReceipt, []byte("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar"), 1, 2, 0, 0, nil, nil)
	if strings.Contains(rq, `"`) || len(strings.Split(rq, ";")) != 12 {
		t.Fatalf("receipt QR changed: %q", rq)
	}
}

// Amounts that truncate to zero are 0.00, never -0.00; sums too.
func TestNoNegativeZero(t *testing.T) {
	for _, c := range []struct {
		vat, pay []string
		want     string
	}{
		{[]string{"-0.00400"}, []string{"-0.009"}, "Beleg^0.00_0.00_0.00_0.00_0.00^0.00:Bar"},
		{[]string{"0.005", "-0.00900"}, nil, "Beleg^0.00_0.00_0.00_0.00_0.00^"},
		{[]string{"-0.01"}, []string{"-0.01"}, "Beleg^-0.01_0.00_0.00_0.00_0.00^-0.01:Bar"},
		{[]string{"-1.999"}, []string{"-1.999"}, "Beleg^-1.99_0.00_0.00_0.00_0.00^-1.99:Bar"},
	} {
		rc := &Receipt{ReceiptType: "RECEIPT"}
		for _, a := range c.vat {
			rc.AmountsPerVatRate = append(rc.AmountsPerVatRate, VatAmount{VatRate: "NORMAL", Amount: a})
		}
		for _, a := range c.pay {
			rc.AmountsPerPaymentType = append(rc.AmountsPerPaymentType, PaymentAmount{PaymentType: "CASH", Amount: a})
		}
		if got, err := rc.processData(); err != nil || got != c.want {
			t.Errorf("%v/%v: %q %v, want %q", c.vat, c.pay, got, err, c.want)
		}
	}
}
