package report

import (
	"bytes"
	"compress/zlib"
	"encoding/csv"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

// The three formats of a hand-made report, read back: CSV with
// encoding/csv, XLSX with excelize, PDF by inflating its content streams.

const sigA = "MEUCIQDsignatureAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// sample is a report of two days: turnover in EUR and CHF, a return,
// a training receipt and an order, an org name with umlauts.
func sample() *Report {
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	eur := func(cash, card int64) map[string]Pay { return map[string]Pay{"EUR": {cash, card}} }
	rs := []Receipt{
		{Organization: "Bäckerei Müller", TSSID: "11111111-aaaa", ClientSerial: "kasse-1", Number: 1, Time: at(1, 9), Type: "Beleg",
			Gross: [5]int64{123456, 700}, Payments: eur(100000, 24156), Counter: 10, Signature: sigA},
		{Organization: "Bäckerei Müller", TSSID: "11111111-aaaa", ClientSerial: "kasse-1", Number: 2, Time: at(1, 10), Type: "Beleg",
			Gross: [5]int64{-250}, Payments: eur(-250, 0), Counter: 12, Signature: sigA},
		{Organization: "Bäckerei Müller", TSSID: "11111111-aaaa", ClientSerial: "kasse-1", Number: 3, Time: at(1, 11), Type: "AVTraining",
			Gross: [5]int64{999}, Payments: eur(999, 0), Counter: 14, Signature: sigA},
		{Organization: "Bäckerei Müller", TSSID: "11111111-aaaa", ClientSerial: "kasse-1", Number: 4, Time: at(2, 8), Type: "Beleg",
			Gross: [5]int64{0, 0, 0, 0, 2000}, Payments: map[string]Pay{"CHF": {2000, 0}}, Counter: 16, Signature: sigA},
		{Organization: "Bäckerei Müller", TSSID: "11111111-aaaa", ClientSerial: "kasse-1", Number: 5, Time: at(2, 9), Type: tse.TypeOrder,
			Counter: 17, Signature: sigA},
		{Organization: "Bäckerei Müller", TSSID: "11111111-aaaa", ClientSerial: "kasse-1", Number: 6, Time: at(2, 12), Type: "AVTraining",
			Gross: [5]int64{1}, Payments: eur(1, 0), Counter: 19, Signature: sigA},
	}
	return &Report{Organization: &org.Organization{Name: "Bäckerei Müller", AddressLine1: "Hauptstraße 1", Zip: "10115", Town: "Berlin"},
		From: "2026-12-01", To: "2026-12-02", Env: "TEST", Receipts: rs, Totals: totals(rs), Currencies: []string{"EUR", "CHF"},
		Gaps: []string{"neither tax_number nor vat_id is set"}}
}

func readCSV(t *testing.T, r *Report, kind string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.CSV(&buf, kind); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(&buf)
	cr.Comma = ';'
	rows, err := cr.ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestCSVTotals(t *testing.T) {
	rows := readCSV(t, sample(), "totals")
	want := []string{"Tag", "TSS", "Kasse (Client)", "Belege", "Brutto 19 %", "Brutto 7 %", "Brutto 10,7 %", "Brutto 5,5 %", "Brutto 0 %",
		"Brutto gesamt", "Bar EUR", "Unbar EUR", "Bar CHF", "Unbar CHF", "Typ"}
	if !slices.Equal(rows[0], want) {
		t.Fatalf("header %q", rows[0])
	}
	// Day 1: AVTraining, Beleg; day 2: AVTraining, Beleg, Bestellung-V1 (sorted by type).
	if len(rows) != 6 {
		t.Fatalf("%d rows: %q", len(rows), rows)
	}
	d1 := rows[2]
	if d1[0] != "2026-12-01" || d1[3] != "2" || d1[4] != "1232.06" || d1[5] != "7.00" || d1[9] != "1239.06" || d1[10] != "997.50" || d1[11] != "241.56" ||
		d1[12] != "0.00" || d1[14] != "Beleg" {
		t.Fatalf("turnover of day 1 %q", d1)
	}
	if rows[1][14] != "AVTraining" || rows[1][9] != "9.99" {
		t.Fatalf("training of day 1 %q", rows[1])
	}
	if d2 := rows[4]; d2[14] != "Beleg" || d2[8] != "20.00" || d2[12] != "20.00" || d2[10] != "0.00" {
		t.Fatalf("CHF turnover of day 2 %q", d2)
	}
	if o := rows[5]; o[14] != tse.TypeOrder || o[3] != "1" || o[9] != "0.00" {
		t.Fatalf("order %q", o)
	}
}

func TestCSVReceipts(t *testing.T) {
	rows := readCSV(t, sample(), "receipts")
	if len(rows) != 7 || len(rows[0]) != 6+5+4+2 || rows[0][len(rows[0])-2] != "Signaturzähler" {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	ret := rows[2]
	if ret[0] != "2026-12-01T10:00:00Z" || ret[1] != "Bäckerei Müller" || ret[4] != "2" || ret[5] != "Beleg" || ret[6] != "-2.50" || ret[11] != "-2.50" ||
		ret[15] != "12" || ret[16] != sigA {
		t.Fatalf("return %q", ret)
	}
	if order := rows[5]; order[5] != tse.TypeOrder || order[6] != "0.00" || order[11] != "0.00" {
		t.Fatalf("order without payments %q", order)
	}
	// Any other kind is the receipts table.
	if other := readCSV(t, sample(), "anything"); len(other) != 7 {
		t.Fatalf("%d rows", len(other))
	}
}

func TestCSVOfAnEmptyReport(t *testing.T) {
	r := &Report{Organization: &org.Organization{Name: "Leer"}, Currencies: []string{BaseCurrency}}
	for _, kind := range []string{"totals", "receipts"} {
		rows := readCSV(t, r, kind)
		if len(rows) != 1 || !slices.Contains(rows[0], "Bar EUR") {
			t.Fatalf("%s: %q", kind, rows)
		}
	}
}

func TestXLSXSheets(t *testing.T) {
	r := sample()
	var buf bytes.Buffer
	if err := r.XLSX(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); !slices.Equal(got, []string{"Summen", "Sonstige Vorgänge", "Belege"}) {
		t.Fatalf("sheets %q", got)
	}
	rows := func(sheet string) [][]string {
		rs, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// Summen: turnover only, amounts as numbers.
	sum := rows("Summen")
	if len(sum) != 3 || sum[0][0] != "Tag" || len(sum[0]) != 14 {
		t.Fatalf("Summen %q", sum)
	}
	if sum[1][9] != "1239.06" || sum[1][3] != "2" || sum[2][12] != "20" {
		t.Fatalf("Summen values %q", sum)
	}
	for _, cell := range []string{"E2", "J2", "K2", "N3"} {
		typ, err := x.GetCellType("Summen", cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Fatalf("Summen %s is of type %v, not a number", cell, typ)
		}
		if v, _ := x.GetCellValue("Summen", cell, excelize.Options{RawCellValue: true}); v == "" {
			t.Fatalf("Summen %s empty", cell)
		}
	}
	// The money format shows thousands and two decimals.
	if v, _ := x.GetCellValue("Summen", "J2"); v != "1,239.06" {
		t.Fatalf("formatted J2 %q", v)
	}
	// Every amount column, to the last currency's, has the money format;
	// the count does not.
	money, _ := x.GetCellStyle("Summen", "E2")
	for col := 5; col <= 14; col++ {
		cell, _ := excelize.CoordinatesToCellName(col, 2)
		if st, _ := x.GetCellStyle("Summen", cell); st != money {
			t.Errorf("Summen %s has style %d, the amounts %d", cell, st, money)
		}
	}
	if st, _ := x.GetCellStyle("Summen", "D2"); st == money {
		t.Error("the receipt count is formatted as money")
	}
	if v, _ := x.GetCellValue("Summen", "N2"); v != "0.00" {
		t.Errorf("formatted N2 %q", v)
	}
	if v, _ := x.GetCellValue("Summen", "A1"); v != "Tag" {
		t.Fatalf("A1 %q", v)
	}
	if panes, err := x.GetPanes("Summen"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("header row not frozen: %+v %v", panes, err)
	}
	// Every other type apart, with its type named.
	other := rows("Sonstige Vorgänge")
	var types []string
	for _, r := range other[1:] {
		types = append(types, r[len(r)-1])
	}
	if !slices.Equal(types, []string{"AVTraining", "AVTraining", tse.TypeOrder}) || other[0][len(other[0])-1] != "Typ" {
		t.Fatalf("other %q", other)
	}
	// Belege: one row per receipt, counter and signature at the end.
	bel := rows("Belege")
	if len(bel) != 7 {
		t.Fatalf("Belege %d rows", len(bel))
	}
	var total float64
	for _, r := range bel[1:] {
		if r[len(r)-1] != sigA {
			t.Fatalf("signature %q", r)
		}
		for _, c := range r[6:11] {
			if c == "" {
				continue
			}
			f, err := strconv.ParseFloat(c, 64)
			if err != nil {
				t.Fatalf("gross %q is not a number", c)
			}
			total += f
		}
	}
	// The sheet adds up to the receipts, to the cent.
	var want int64
	for _, rc := range r.Receipts {
		for _, g := range rc.Gross {
			want += g
		}
	}
	if int64(total*100+0.5) != want {
		t.Fatalf("Belege add up to %.2f, receipts to %d cents", total, want)
	}
	if bel[2][6] != "-2.5" {
		t.Fatalf("negative amount %q", bel[2][6])
	}
}

// pdfText inflates every content stream of a PDF.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	var out strings.Builder
	re := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	for _, m := range re.FindAllSubmatch(pdf, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			out.Write(m[1]) // not compressed
			continue
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			continue // an image's stream
		}
		out.Write(b)
	}
	return out.String()
}

func TestPDFContent(t *testing.T) {
	r := sample()
	var buf bytes.Buffer
	if err := r.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || !bytes.Contains(buf.Bytes(), []byte("%%EOF")) {
		t.Fatal("not a PDF")
	}
	text := pdfText(t, buf.Bytes())
	// cp1252: ä is 0xE4, ü 0xFC.
	for _, want := range []string{"(Transaktionsbericht)", "(B\xe4ckerei M\xfcller)", "(Hauptstra\xdfe 1)", "(10115 Berlin)",
		`Zeitraum 2026-12-01 bis 2026-12-02 \(UTC\)`, "6 Vorg\xe4nge", "Stammdaten unvollst\xe4ndig: neither tax_number nor vat_id is set",
		"(Summe Umsatz)", "(1.239,06)", "(-2,50)", "(20,00)", "(Sonstige Vorg\xe4nge \\(kein Umsatz, nicht in der Summe\\))", "(AVTraining)",
		"(" + sigA[:16] + "\x85)", "(11111111\x85)", "Seite 1 von"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	// The grand turnover: 1,239.06 + 20.00 CHF gross = 1,259.06; the
	// training receipts are not in it.
	if !strings.Contains(text, "(1.259,06)") {
		t.Error("PDF lacks the turnover total 1.259,06")
	}
}

func TestPDFEdgeCases(t *testing.T) {
	// No receipts, no gaps: the tables have their headers and a zero sum.
	empty := &Report{Organization: &org.Organization{Name: "Leer"}, From: "2026-12-01", To: "2026-12-31", Currencies: []string{BaseCurrency}}
	var buf bytes.Buffer
	if err := empty.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	if !strings.Contains(text, "(Summe Umsatz)") || !strings.Contains(text, "(0,00)") || strings.Contains(text, "Stammdaten") || strings.Contains(text, "Sonstige") {
		t.Fatalf("empty report: %d bytes of text", len(text))
	}
	// Many receipts: more pages, the header repeated on each.
	big := sample()
	base := big.Receipts[0]
	big.Receipts = nil
	for i := range 200 {
		rc := base
		rc.Number = uint64(i + 1)
		big.Receipts = append(big.Receipts, rc)
	}
	big.Totals = totals(big.Receipts)
	buf.Reset()
	if err := big.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	text = pdfText(t, buf.Bytes())
	pages := regexp.MustCompile(`Seite (\d+) von`).FindAllStringSubmatch(text, -1)
	if len(pages) < 5 || pages[len(pages)-1][1] != strconv.Itoa(len(pages)) {
		t.Fatalf("%d pages", len(pages))
	}
	if n := strings.Count(text, "(Sig.-Z\xe4hler)"); n != len(pages)-1 && n != len(pages) {
		t.Fatalf("receipts header on %d of %d pages", n, len(pages))
	}
	if !strings.Contains(text, "(200)") || !strings.Contains(text, "(246.912,00)") {
		t.Fatal("200 receipts of 1.234,56: count or sum missing")
	}
	// A logo (PNG) is drawn; an unsupported type is left out.
	img := image.NewRGBA(image.Rect(0, 0, 40, 10))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	withLogo := sample()
	withLogo.Logo, withLogo.LogoType = logo.Bytes(), "image/png"
	buf.Reset()
	if err := withLogo.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("/Subtype /Image")) {
		t.Fatal("logo not embedded")
	}
	withLogo.LogoType = "image/webp"
	buf.Reset()
	if err := withLogo.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("/Subtype /Image")) {
		t.Fatal("a WebP logo was embedded")
	}
	// Short ids and signatures (an external TSS, a damaged record) do not
	// break the PDF.
	short := sample()
	short.Receipts[0].Signature, short.Receipts[0].TSSID = "", "t1"
	short.Totals = totals(short.Receipts)
	buf.Reset()
	if err := short.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, buf.Bytes()); !strings.Contains(text, "(t1)") {
		t.Fatal("short TSS id not shown as it is")
	}
}

func TestReceiptEdgeCases(t *testing.T) {
	qr := func(pdata string) string {
		return tse.QRCodeData("k", tse.TypeReceipt, []byte(pdata), 1, 2, 0, 60, []byte{1}, []byte{2})
	}
	cases := []struct {
		name  string
		qr    string
		typ   string
		gross [5]int64
		pays  map[string]Pay
	}{
		{"more than five rates are ignored", qr("Beleg^1.00_2.00_3.00_4.00_5.00_6.00^"), "Beleg", [5]int64{100, 200, 300, 400, 500}, map[string]Pay{}},
		{"fewer rates", qr("Beleg^1.00^1.00:Bar"), "Beleg", [5]int64{100}, map[string]Pay{"EUR": {100, 0}}},
		{"unknown payment kind skipped", qr("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Scheck_1.00:Unbar"), "Beleg", [5]int64{100}, map[string]Pay{"EUR": {0, 100}}},
		{"lower-case currency", qr("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar:usd_2.00:Bar:USD"), "Beleg", [5]int64{100}, map[string]Pay{"USD": {300, 0}}},
		{"empty currency is the base", qr("Beleg^1.00_0.00_0.00_0.00_0.00^1.00:Bar:"), "Beleg", [5]int64{100}, map[string]Pay{"EUR": {100, 0}}},
		{"a payment without kind", qr("Beleg^1.00_0.00_0.00_0.00_0.00^1.00"), "Beleg", [5]int64{100}, map[string]Pay{}},
		{"not three parts", qr("Beleg^1.00"), tse.TypeReceipt, [5]int64{}, nil},
		{"huge amounts", qr("Beleg^99999999999.99_0.00_0.00_0.00_0.00^99999999999.99:Unbar"), "Beleg", [5]int64{9999999999999},
			map[string]Pay{"EUR": {0, 9999999999999}}},
		{"a QR code of 11 fields", strings.TrimSuffix(qr("Beleg^1.00^"), ";AQ==;Ag==") + ";x", "", [5]int64{}, nil},
	}
	for _, c := range cases {
		rc := receipt("O", &tss.TxView{QRCodeData: c.qr})
		if rc.Type != c.typ || rc.Gross != c.gross || !maps.Equal(rc.Payments, c.pays) {
			t.Errorf("%s: %+v", c.name, rc)
		}
	}
	for in, want := range map[string]int64{"1.999": 199, "-0.001": 0, "+1.00": 100, "abc": 0, "12.": 1200, ".5": 50} {
		if got := cents(in); got != want {
			t.Errorf("cents(%q) = %d, want %d", in, got, want)
		}
	}
}

// Build over a period: boundaries, currencies, gaps, the logo, and who
// may build it.
func TestBuildPeriodCurrenciesAndAccess(t *testing.T) {
	e := tsstest.New(t, "Café Zürich")
	const id = "c3333333-3333-4333-8333-333333333333"
	e.Initialized(e.C, id)
	e.Client(e.C, id, "c1", "kasse-1")
	sign := func(at time.Time, tx string, schema []byte) {
		e.Now = at
		e.Receipt(e.C, id, "c1", tx, schema)
	}
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	chf := []byte(`{"standard_v1":{"receipt":{"receipt_type":"RECEIPT","amounts_per_vat_rate":[{"vat_rate":"NORMAL","amount":"30.00"}],` +
		`"amounts_per_payment_type":[{"payment_type":"CASH","amount":"10.00","currency_code":"chf"},{"payment_type":"NON_CASH","amount":"20.00","currency_code":"USD"}]}}}`)
	sign(from, "e0000000-0000-4000-8000-000000000001", tsstest.Standard(map[string]string{"NORMAL": "1.00"}, map[string]string{"CASH": "1.00"}))
	sign(from.Add(time.Hour), "e0000000-0000-4000-8000-000000000002", chf)
	sign(from.AddDate(0, 0, 1).Add(-time.Second), "e0000000-0000-4000-8000-000000000003", tsstest.Standard(map[string]string{"REDUCED_1": "-3.00"}, map[string]string{"CASH": "-3.00"}))
	sign(from.AddDate(0, 0, 1), "e0000000-0000-4000-8000-000000000004", tsstest.Standard(map[string]string{"NORMAL": "5.00"}, map[string]string{"CASH": "5.00"}))
	p := Params{OrgID: e.Org.ID, From: from, To: from.AddDate(0, 0, 1)}
	r, err := Build(e.Ctx, e.Orgs, e.TSS, e.C, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Receipts) != 3 || r.From != "2026-12-01" || r.To != "2026-12-01" || r.Env != org.EnvTest || r.Organization.Name != "Café Zürich" {
		t.Fatalf("%d receipts %s–%s", len(r.Receipts), r.From, r.To)
	}
	if !slices.Equal(r.Currencies, []string{"EUR", "CHF", "USD"}) {
		t.Fatalf("currencies %v", r.Currencies)
	}
	if r.Receipts[1].Payments["CHF"].Cash != 1000 || r.Receipts[1].Payments["USD"].NonCash != 2000 || r.Receipts[2].Gross[1] != -300 {
		t.Fatalf("receipts %+v", r.Receipts)
	}
	if tot := Grand(r.TurnoverTotals()); tot.Sum() != 100+3000-300 || tot.Receipts != 3 {
		t.Fatalf("turnover %+v", tot)
	}
	if len(r.Gaps) != 1 || !strings.Contains(r.Gaps[0], "tax_number") || len(r.Logo) != 0 {
		t.Fatalf("gaps %v, logo %d bytes", r.Gaps, len(r.Logo))
	}
	// The logo comes along.
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var logo bytes.Buffer
	_ = png.Encode(&logo, img)
	if _, err := e.Orgs.SetLogo(e.Ctx, e.C.Viewer, e.Org.ID, logo.Bytes()); err != nil {
		t.Fatal(err)
	}
	if r, err := Build(e.Ctx, e.Orgs, e.TSS, e.C, p); err != nil || r.LogoType != "image/png" || !bytes.Equal(r.Logo, logo.Bytes()) {
		t.Fatalf("logo %q %v", r.LogoType, err)
	}
	// An empty period is an empty report, not an error.
	empty, err := Build(e.Ctx, e.Orgs, e.TSS, e.C, Params{OrgID: e.Org.ID, From: from.AddDate(1, 0, 0), To: from.AddDate(1, 0, 1)})
	if err != nil || len(empty.Receipts) != 0 || len(empty.Totals) != 0 || !slices.Equal(empty.Currencies, []string{"EUR"}) {
		t.Fatalf("empty %+v %v", empty, err)
	}
	// Another org's caller gets nothing.
	other := e.NewOrg("Fremd", "")
	if _, err := Build(e.Ctx, e.Orgs, e.TSS, e.Caller(other.ID), p); err == nil {
		t.Fatal("a stranger built the report")
	}
	// A LIVE caller does not see TEST receipts.
	live := e.C
	live.Env = org.EnvLive
	if r, err := Build(e.Ctx, e.Orgs, e.TSS, live, p); err != nil || len(r.Receipts) != 0 {
		t.Fatalf("LIVE sees %d TEST receipts (%v)", len(r.Receipts), err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

var errWrite = errors.New("disk full")

// A writer that fails (a full disk, a closed connection) fails every
// format: the caller learns the report is incomplete.
func TestFormatsReportWriteErrors(t *testing.T) {
	r := sample()
	for name, write := range map[string]func() error{
		"CSV totals":   func() error { return r.CSV(failingWriter{}, "totals") },
		"CSV receipts": func() error { return r.CSV(failingWriter{}, "receipts") },
		"XLSX":         func() error { return r.XLSX(failingWriter{}) },
		"PDF":          func() error { return r.PDF(failingWriter{}) },
	} {
		if err := write(); !errors.Is(err, errWrite) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
