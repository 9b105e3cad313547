package api

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
)

func TestTransactionReports(t *testing.T) {
	a, _, vendor, v, _ := vendorApp(t)
	tssID, clients := posSetup(t, a, v, 2)
	// A logo for the PDF header.
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{28, 126, 214, 255})
		}
	}
	var logo bytes.Buffer
	_ = png.Encode(&logo, img)
	a.must(a.do(v, "PUT", "/api/v0/organizations/"+vendor+"/logo", logo.Bytes()), 200)

	want := [5]int64{}
	var cash, nonCash int64
	for i := range 12 {
		tx := uuid.NewString()
		base := "/api/v2/tss/" + tssID + "/tx/" + tx
		a.must(a.do(v, "PUT", base+"?tx_revision=1", map[string]any{"state": "ACTIVE", "client_id": clients[i%2]}), 200)
		state := "FINISHED"
		if i == 11 {
			state = "CANCELLED" // not in the report
		}
		a.must(a.do(v, "PUT", base+"?tx_revision=2", map[string]any{"state": state, "client_id": clients[i%2], "schema": receipt("10.50")}), 200)
		if state == "FINISHED" {
			want[0] += 1050
			want[1] += 107
			cash += 1050
			nonCash += 107
		}
	}
	day := time.Now().UTC().Format(time.DateOnly)
	q := "/api/dashboard/reports/transactions?from=" + day + "&to=" + day

	// CSV: the receipts and the totals.
	rr := a.must(a.do(v, "GET", q+"&format=csv&kind=receipts", nil), 200)
	cr := csv.NewReader(bytes.NewReader(rr.body))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil || len(recs) != 12 || rr.hdr.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("receipts csv: %v, %d rows", err, len(recs))
	}
	// XLSX: its totals equal the sum of the receipts.
	xb := a.must(a.do(v, "GET", q+"&format=xlsx", nil), 200).body
	f, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	totals, _ := f.GetRows("Summen")
	receipts, _ := f.GetRows("Belege")
	if len(totals) != 3 || len(receipts) != 12 {
		t.Fatalf("sheets: %d total rows, %d receipt rows", len(totals), len(receipts))
	}
	var sum [5]float64
	var n int
	// Summen: day, organization, TSS, client, receipts, then the five VAT classes.
	for ri := range totals[1:] {
		for i := range 5 {
			v, _ := f.GetCellValue("Summen", cellName(i+6, ri+2))
			sum[i] += parseF(v)
		}
		c, _ := f.GetCellValue("Summen", cellName(5, ri+2))
		n += int(parseF(c))
	}
	var rsum [5]float64
	for ri := range receipts[1:] {
		for i := range 5 {
			v, _ := f.GetCellValue("Belege", cellName(i+7, ri+2))
			rsum[i] += parseF(v)
		}
	}
	for i := range 5 {
		if int64(sum[i]*100+0.5) != want[i] || int64(rsum[i]*100+0.5) != want[i] {
			t.Fatalf("VAT class %d: totals %.2f, receipts %.2f, want %.2f", i, sum[i], rsum[i], float64(want[i])/100)
		}
	}
	if n != 11 {
		t.Fatalf("totals count %d receipts", n)
	}
	// PDF: renders with pdftoppm.
	pdf := a.must(a.do(v, "GET", q+"&format=pdf", nil), 200).body
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Fatal("pdftoppm is required (apt-get install poppler-utils)")
	}
	out := filepath.Join("..", "..", "test-output", "reports")
	_ = os.MkdirAll(out, 0o755)
	pdfFile := filepath.Join(out, "transactions.pdf")
	if err := os.WriteFile(pdfFile, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdfFile, filepath.Join(out, "transactions")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, b)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "transactions*.png"))
	if len(pages) == 0 {
		t.Fatal("no page rendered")
	}
	// In English: file name, sheet names and headers; the CSV keeps its convention.
	en := a.must(a.do(v, "GET", q+"&format=xlsx&lang=en", nil), 200)
	if cd := en.hdr.Get("Content-Disposition"); !strings.Contains(cd, `filename="transactions-`+day+"-"+day+`.xlsx"`) {
		t.Fatalf("English file name: %s", cd)
	}
	fe, err := excelize.OpenReader(bytes.NewReader(en.body))
	if err != nil {
		t.Fatal(err)
	}
	if sheets := fe.GetSheetList(); strings.Join(sheets, "|") != "Totals|Other operations|Receipts" {
		t.Fatalf("English sheets %v", sheets)
	}
	if h, _ := fe.GetCellValue("Receipts", "B1"); h != "Organization" {
		t.Fatalf("English header %q", h)
	}
	csvEN := a.must(a.do(v, "GET", q+"&format=csv&kind=totals&lang=en", nil), 200).body
	if !bytes.HasPrefix(csvEN, []byte("\xEF\xBB\xBFDay;Organization;")) || !bytes.Contains(csvEN, []byte(";63,00;")) {
		t.Fatalf("English totals CSV: %q", csvEN[:min(200, len(csvEN))])
	}
	wantCode(t, a.do(v, "GET", q+"&lang=fr", nil), 400, "E_FAILED_SCHEMA_VALIDATION")
	wantCode(t, a.do(v, "GET", "/api/dashboard/reports/transactions?from=2026-13-01", nil), 400, "E_FAILED_SCHEMA_VALIDATION")
	wantCode(t, a.do(v, "GET", "/api/dashboard/reports/transactions?organization_id="+uuid.NewString(), nil), 404, "E_ORGANIZATION_NOT_FOUND")
}

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

// parseF reads a cell; excelize returns the number as formatted text.
func parseF(s string) float64 {
	f, _ := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return f
}
