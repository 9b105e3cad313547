package report

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/tse"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
	"github.com/fiskaldesk/fiskaldesk/backend/tss/tsstest"
)

func TestCents(t *testing.T) {
	for in, want := range map[string]int64{
		"12.34": 1234, "0.05": 5, "-0.50": -50, "7": 700, "7.5": 750, "1000000.99": 100000099, "": 0, "-3.00": -300,
	} {
		if got := cents(in); got != want {
			t.Errorf("cents(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestMoney(t *testing.T) {
	for in, want := range map[int64]string{
		0: "0,00", 5: "0,05", 99: "0,99", 100: "1,00", 123456: "1.234,56", -123456: "-1.234,56",
		100000000: "1.000.000,00", 99999: "999,99",
	} {
		if got := Money(in); got != want {
			t.Errorf("Money(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestReceiptReadsTheSignedProcessData(t *testing.T) {
	qr := func(ptype, pdata string) string {
		return tse.QRCodeData("kasse-1", ptype, []byte(pdata), 7, 42, 1764583200, 1764583260, []byte{1, 2}, []byte{3})
	}
	cases := []struct {
		name  string
		qr    string
		typ   string
		gross [5]int64
		pays  map[string]Pay
	}{
		{"receipt with two rates and both payments", qr(tse.TypeReceipt, "Beleg^11.90_1.07_0.00_0.00_0.00^10.00:Bar_2.97:Unbar"),
			"Beleg", [5]int64{1190, 107}, map[string]Pay{"EUR": {1000, 297}}},
		// Each currency apart: 5.00 CHF are no 5.00 EUR (issue 15, item 6).
		{"payment with currency", qr(tse.TypeReceipt, "Beleg^25.00_0.00_0.00_0.00_0.00^20.00:Unbar_5.00:Bar:CHF"), "Beleg", [5]int64{2500},
			map[string]Pay{"EUR": {0, 2000}, "CHF": {500, 0}}},
		{"negative amounts (a return)", qr(tse.TypeReceipt, "Beleg^-2.50_0.00_0.00_0.00_0.00^-2.50:Bar"), "Beleg", [5]int64{-250}, map[string]Pay{"EUR": {-250, 0}}},
		{"aborted receipt", qr(tse.TypeReceipt, tse.AbortData), "AVBelegabbruch", [5]int64{}, map[string]Pay{}},
		{"another process type", qr("SonstigerVorgang", "x"), "SonstigerVorgang", [5]int64{}, nil},
		{"no QR code", "", "", [5]int64{}, nil},
	}
	for _, c := range cases {
		rc := receipt("Org", &tss.TxView{TSSID: "t", ClientSerialNumber: "kasse-1", Number: 7, TimeEnd: 1764583260, QRCodeData: c.qr,
			Signature: tss.TxSignature{Counter: 42, Value: "c2ln"}})
		if rc.Type != c.typ || rc.Gross != c.gross || !maps.Equal(rc.Payments, c.pays) {
			t.Errorf("%s: %+v", c.name, rc)
		}
		if rc.Number != 7 || rc.Counter != 42 || rc.Signature != "c2ln" || !rc.Time.Equal(time.Unix(1764583260, 0)) {
			t.Errorf("%s: signature data %+v", c.name, rc)
		}
	}
}

func TestTotalsGroupByDayTSSAndClient(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	eur := func(cash, nonCash int64) map[string]Pay { return map[string]Pay{"EUR": {cash, nonCash}} }
	rs := []Receipt{
		{TSSID: "b", ClientSerial: "k1", Time: day(2, 9), Type: "Beleg", Gross: [5]int64{100}, Payments: eur(100, 0)},
		{TSSID: "a", ClientSerial: "k1", Time: day(2, 10), Type: "Beleg", Gross: [5]int64{200, 50}, Payments: eur(0, 250)},
		{TSSID: "b", ClientSerial: "k1", Time: day(2, 23), Type: "Beleg", Gross: [5]int64{300}, Payments: map[string]Pay{"EUR": {200, 0}, "CHF": {100, 0}}},
		{TSSID: "b", ClientSerial: "k1", Time: day(1, 12), Type: "Beleg", Gross: [5]int64{1}, Payments: eur(1, 0)},
		{TSSID: "b", ClientSerial: "k2", Time: day(2, 11), Type: "Beleg", Gross: [5]int64{0, 0, 0, 0, 9}, Payments: eur(9, 0)},
		// A training receipt of the same day and client: its own group.
		{TSSID: "b", ClientSerial: "k1", Time: day(2, 12), Type: "AVTraining", Gross: [5]int64{700}, Payments: eur(700, 0)},
	}
	got := totals(rs)
	want := []Total{
		{TSSID: "b", ClientSerial: "k1", Day: "2026-12-01", Type: "Beleg", Receipts: 1, Gross: [5]int64{1}, Payments: eur(1, 0)},
		{TSSID: "a", ClientSerial: "k1", Day: "2026-12-02", Type: "Beleg", Receipts: 1, Gross: [5]int64{200, 50}, Payments: eur(0, 250)},
		{TSSID: "b", ClientSerial: "k1", Day: "2026-12-02", Type: "AVTraining", Receipts: 1, Gross: [5]int64{700}, Payments: eur(700, 0)},
		{TSSID: "b", ClientSerial: "k1", Day: "2026-12-02", Type: "Beleg", Receipts: 2, Gross: [5]int64{400}, Payments: map[string]Pay{"EUR": {300, 0}, "CHF": {100, 0}}},
		{TSSID: "b", ClientSerial: "k2", Day: "2026-12-02", Type: "Beleg", Receipts: 1, Gross: [5]int64{0, 0, 0, 0, 9}, Payments: eur(9, 0)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups: %+v", len(got), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.TSSID != w.TSSID || g.ClientSerial != w.ClientSerial || g.Day != w.Day || g.Type != w.Type || g.Receipts != w.Receipts ||
			g.Gross != w.Gross || !maps.Equal(g.Payments, w.Payments) {
			t.Errorf("group %d: %+v, want %+v", i, g, w)
		}
	}
	r := &Report{Totals: got}
	if to := Grand(r.TurnoverTotals()); to.Receipts != 5 || to.Sum() != 660 || to.Payments["CHF"].Cash != 100 || to.Payments["EUR"].Cash != 310 {
		t.Errorf("turnover %+v", to)
	}
	if other := r.OtherTotals(); len(other) != 1 || other[0].Type != "AVTraining" || other[0].Sum() != 700 {
		t.Errorf("other types %+v", other)
	}
	if got[1].Sum() != 250 {
		t.Errorf("Sum %d", got[1].Sum())
	}
}

// TestBuild signs receipts through the SIGN DE service on the in-memory
// store, in an organization and a managed one, and checks the period,
// the scope and every format against the amounts signed.
func TestBuild(t *testing.T) {
	e := tsstest.New(t, "Holding")
	child := e.NewOrg("Filiale", e.Org.ID)
	cc := e.Caller(child.ID)
	const t1, t2 = "a1111111-1111-4111-8111-111111111111", "b2222222-2222-4222-8222-222222222222"
	e.Initialized(e.C, t1)
	e.Initialized(cc, t2)
	e.Client(e.C, t1, "c1", "kasse-1")
	e.Client(cc, t2, "c2", "kasse-2")
	r := tsstest.Standard
	e.Now = time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC) // before the period
	e.Receipt(e.C, t1, "c1", "tx-before", r(map[string]string{"NORMAL": "99.00"}, map[string]string{"CASH": "99.00"}))
	e.Now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e.Receipt(e.C, t1, "c1", "tx-1", r(map[string]string{"NORMAL": "11.90", "REDUCED_1": "1.07"}, map[string]string{"CASH": "12.97"}))
	e.Receipt(e.C, t1, "c1", "tx-2", r(map[string]string{"NORMAL": "5.00"}, map[string]string{"NON_CASH": "5.00"}))
	e.Now = time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)
	e.Receipt(cc, t2, "c2", "tx-3", r(map[string]string{"NULL": "2.00"}, map[string]string{"CASH": "2.00"}))
	// Still ACTIVE: not in a report.
	if _, err := e.TSS.Upsert(e.Ctx, e.C, t1, "tx-open", 1, tss.TxRequest{State: tss.TxActive, ClientID: "c1"}); err != nil {
		t.Fatal(err)
	}
	e.Now = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC) // the first second after the period
	e.Receipt(e.C, t1, "c1", "tx-after", r(map[string]string{"NORMAL": "1.00"}, map[string]string{"CASH": "1.00"}))

	period := Params{OrgID: e.Org.ID, From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	own, err := Build(e.Ctx, e.Orgs, e.TSS, e.C, period)
	if err != nil {
		t.Fatal(err)
	}
	if len(own.Receipts) != 2 || own.From != "2026-12-01" || own.To != "2026-12-02" {
		t.Fatalf("own org only: %d receipts, %s–%s", len(own.Receipts), own.From, own.To)
	}
	period.IncludeManaged = true
	all, err := Build(e.Ctx, e.Orgs, e.TSS, e.C, period)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Receipts) != 3 {
		t.Fatalf("with managed: %d receipts %+v", len(all.Receipts), all.Receipts)
	}
	first, last := all.Receipts[0], all.Receipts[2]
	if first.Gross != [5]int64{1190, 107} || first.Payments["EUR"].Cash != 1297 || first.Organization != "Holding" || first.ClientSerial != "kasse-1" {
		t.Fatalf("first receipt %+v", first)
	}
	if last.Organization != "Filiale" || last.Gross != [5]int64{0, 0, 0, 0, 200} || last.TSSID != t2 {
		t.Fatalf("managed org's receipt %+v", last)
	}
	if len(all.Totals) != 2 || all.Totals[0].Receipts != 2 || all.Totals[0].Sum() != 1797 || all.Totals[0].Payments["EUR"].NonCash != 500 {
		t.Fatalf("totals %+v", all.Totals)
	}

	// CSV: the totals row of day one, in the CSV convention (decimal comma,
	// ';', the organization after the day; TestCSVConvention has the rest).
	var buf bytes.Buffer
	if err := all.CSV(&buf, "totals"); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][0] != "2026-12-01" || rows[1][1] != "Holding" || rows[1][4] != "2" || rows[1][5] != "16,90" || rows[1][10] != "17,97" ||
		rows[1][11] != "12,97" || rows[1][12] != "5,00" || rows[1][13] != "Beleg" {
		t.Fatalf("totals CSV %q", rows)
	}
	buf.Reset()
	if err := all.CSV(&buf, "receipts"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 4 || !strings.Contains(buf.String(), first.Signature) {
		t.Fatalf("receipts CSV (%d lines): %s", n, buf.String())
	}

	// XLSX: read back with excelize; the gross totals match the receipts.
	buf.Reset()
	if err := all.XLSX(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) < 2 {
		t.Fatalf("sheets %v", sheets)
	}
	found := false
	for _, sh := range sheets {
		rows, err := x.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if cell == first.Signature {
					found = true
				}
			}
		}
	}
	if !found {
		t.Fatal("XLSX lacks the receipts' signatures")
	}

	buf.Reset()
	if err := all.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || buf.Len() < 1000 {
		t.Fatalf("PDF of %d bytes", buf.Len())
	}
}

// sampleIn is a report of two organizations (a vendor and a managed
// customer with a long name) in language lang.
func sampleIn(lang string, managed int) *Report {
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	rs := []Receipt{
		{Organization: "Vendor GmbH", TSSID: "11111111-1111-4111-8111-111111111111", ClientSerial: "KASSE-1", Number: 1, Time: at, Type: "Beleg",
			Gross: [5]int64{123456, 107}, Payments: map[string]Pay{BaseCurrency: {Cash: 123563}}, Counter: 4, Signature: strings.Repeat("S", 88)},
		{Organization: "Café Kunde mit einem sehr langen Namen GmbH & Co. KG", TSSID: "22222222-2222-4222-8222-222222222222", ClientSerial: "KASSE-2",
			Number: 7, Time: at.Add(time.Hour), Type: "Beleg", Gross: [5]int64{-7}, Payments: map[string]Pay{BaseCurrency: {NonCash: -7}}, Counter: 20, Signature: strings.Repeat("T", 88)},
	}
	return &Report{Organization: &org.Organization{Name: "Vendor GmbH", AddressLine1: "Hauptstraße 1", Zip: "10115", Town: "Berlin"},
		From: "2026-12-01", To: "2026-12-01", Env: "TEST", Receipts: rs, Totals: totals(rs), Currencies: []string{BaseCurrency}, Lang: lang, Managed: managed}
}

// The CSV convention of docs/exports.md › Reports, in both languages: BOM,
// ';', CRLF, decimal comma without thousands separator, ISO times; only
// the header row is translated.
func TestCSVConvention(t *testing.T) {
	for _, lang := range []string{LangDE, LangEN} {
		var b bytes.Buffer
		if err := sampleIn(lang, 1).CSV(&b, "receipts"); err != nil {
			t.Fatal(err)
		}
		raw := b.String()
		if !strings.HasPrefix(raw, "\uFEFF") {
			t.Fatalf("%s: no byte order mark", lang)
		}
		if strings.Count(raw, "\r\n") != 3 || strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
			t.Fatalf("%s: want 3 CRLF lines: %q", lang, raw)
		}
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF")))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head, first, second := rows[0], rows[1], rows[2]
		if wantHead := map[string]string{LangDE: "Zeit (UTC)", LangEN: "Time (UTC)"}[lang]; head[0] != wantHead {
			t.Fatalf("%s header %q", lang, head[0])
		}
		if first[0] != "2026-12-01T09:30:00Z" || first[1] != "Vendor GmbH" || first[6] != "1234,56" || first[7] != "1,07" || first[11] != "1235,63" {
			t.Fatalf("%s row %q", lang, first)
		}
		if second[6] != "-0,07" || second[12] != "-0,07" {
			t.Fatalf("%s negative amounts %q", lang, second)
		}
		for _, f := range append(first, second...) {
			if strings.Contains(f, ".") && !strings.Contains(f, "GmbH") && !strings.Contains(f, "Co.") {
				t.Fatalf("%s: a decimal point or thousands dot in %q", lang, f)
			}
		}
	}
	var b bytes.Buffer
	if err := sampleIn(LangEN, 1).CSV(&b, "totals"); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF")))
	r.Comma = ';'
	rows, _ := r.ReadAll()
	if rows[0][1] != "Organization" || rows[2][1] != "Vendor GmbH" || rows[2][4] != "1" || rows[2][10] != "1235,63" {
		t.Fatalf("totals %q", rows)
	}
}

func TestMoneyInTheReportLanguage(t *testing.T) {
	for _, c := range []struct {
		lang string
		in   int64
		want string
	}{{LangDE, 123456789, "1.234.567,89"}, {LangEN, 123456789, "1,234,567.89"}, {LangDE, -7, "-0,07"}, {LangEN, 100, "1.00"}, {"fr", 100, "1,00"}} {
		if got := MoneyIn(c.lang, c.in); got != c.want {
			t.Errorf("MoneyIn(%s, %d) = %s, want %s", c.lang, c.in, got, c.want)
		}
	}
}

// Every logo an organization can upload ends up as a PNG a PDF can embed:
// WebP (which PDFs cannot hold) and 16-bit PNG (which fpdf refuses).
func TestPrintableLogo(t *testing.T) {
	webp, err := os.ReadFile("testdata/logo.webp")
	if err != nil {
		t.Fatal(err)
	}
	img16 := image.NewRGBA64(image.Rect(0, 0, 30, 10))
	for x := range 30 {
		img16.Set(x, 5, color.RGBA64{0xffff, 0, 0, 0xffff})
	}
	var b16 bytes.Buffer
	_ = png.Encode(&b16, img16)
	for name, in := range map[string][]byte{"webp": webp, "png16": b16.Bytes()} {
		out, ok := PrintableLogo(in)
		if !ok {
			t.Fatalf("%s: not printable", name)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(out))
		if err != nil || cfg.Width == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		// IHDR: bit depth at byte 24, interlace method at byte 28.
		if out[24] != 8 || out[28] != 0 {
			t.Fatalf("%s: bit depth %d, interlace %d; want 8 and none", name, out[24], out[28])
		}
	}
	if _, ok := PrintableLogo([]byte("not an image")); ok {
		t.Fatal("garbage printable")
	}
}

// The PDF of a report with managed organizations names each row's
// organization, in the report's language, and carries the logo.
func TestPDFWithManagedOrganizations(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdfimages"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required (apt-get install poppler-utils)", tool)
		}
	}
	webp, _ := os.ReadFile("testdata/logo.webp")
	dir := t.TempDir()
	for _, c := range []struct {
		lang    string
		managed int
		want    []string
		not     []string
	}{
		{LangEN, 1, []string{"Transaction report", "Organization", "Café Kunde", "Vendor GmbH with 1 managed organizations", "1,234.56"}, []string{"Transaktionsbericht"}},
		{LangDE, 1, []string{"Transaktionsbericht", "Organisation", "Café Kunde", "1.234,56"}, nil},
		{LangDE, 0, []string{"Transaktionsbericht"}, []string{"Organisation", "Café"}},
	} {
		rep := sampleIn(c.lang, c.managed)
		if c.managed == 0 {
			rep.Receipts = rep.Receipts[:1]
			rep.Totals = totals(rep.Receipts)
		}
		rep.Logo = webp
		var b bytes.Buffer
		if err := rep.PDF(&b); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, c.lang+".pdf")
		_ = os.WriteFile(file, b.Bytes(), 0o644)
		text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(text), w) {
				t.Errorf("%s/%d: %q missing from\n%s", c.lang, c.managed, w, text)
			}
		}
		for _, w := range c.not {
			if strings.Contains(string(text), w) {
				t.Errorf("%s/%d: %q should not be there", c.lang, c.managed, w)
			}
		}
		images, err := exec.Command("pdfimages", "-list", file).Output()
		if err != nil || !strings.Contains(string(images), " 40 ") {
			t.Errorf("%s: the 40×20 logo is not embedded: %s", c.lang, images)
		}
	}
}
