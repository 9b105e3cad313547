package report

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

func sample(lang string, managed int) *Report {
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	rs := []Receipt{
		{Organization: "Vendor GmbH", TSSID: "11111111-1111-4111-8111-111111111111", ClientSerial: "KASSE-1", Number: 1, Time: at, Type: "Beleg",
			Gross: [5]int64{123456, 107}, Cash: 123563, Counter: 4, Signature: strings.Repeat("S", 88)},
		{Organization: "Café Kunde mit einem sehr langen Namen GmbH & Co. KG", TSSID: "22222222-2222-4222-8222-222222222222", ClientSerial: "KASSE-2",
			Number: 7, Time: at.Add(time.Hour), Type: "Beleg", Gross: [5]int64{-7}, NonCash: -7, Counter: 20, Signature: strings.Repeat("T", 88)},
	}
	return &Report{Organization: &org.Organization{Name: "Vendor GmbH", AddressLine1: "Hauptstraße 1", Zip: "10115", Town: "Berlin"},
		From: "2026-12-01", To: "2026-12-01", Env: "TEST", Receipts: rs, Totals: totals(rs), Lang: lang, Managed: managed}
}

// The CSV convention of docs/exports.md › Reports, in both languages: BOM,
// ';', CRLF, decimal comma without thousands separator, ISO times; only
// the header row is translated.
func TestCSVConvention(t *testing.T) {
	for _, lang := range []string{LangDE, LangEN} {
		var b bytes.Buffer
		if err := sample(lang, 1).CSV(&b, "receipts"); err != nil {
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
	if err := sample(LangEN, 1).CSV(&b, "totals"); err != nil {
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
		rep := sample(c.lang, c.managed)
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
