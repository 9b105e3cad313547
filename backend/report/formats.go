package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"
)

func totalsHeader() []string {
	h := []string{"Tag", "TSS", "Kasse (Client)", "Belege"}
	for _, v := range VATClasses {
		h = append(h, "Brutto "+v)
	}
	return append(h, "Brutto gesamt", "Bar", "Unbar")
}

func receiptsHeader() []string {
	h := []string{"Zeit (UTC)", "Organisation", "TSS", "Kasse (Client)", "TA-Nr", "Typ"}
	for _, v := range VATClasses {
		h = append(h, "Brutto "+v)
	}
	return append(h, "Bar", "Unbar", "Signaturzähler", "Signatur")
}

func dec(c int64) string { return strconv.FormatFloat(float64(c)/100, 'f', 2, 64) }

// CSV writes one table ("totals" or "receipts"): ';' separated, decimal
// point, UTF-8 — what spreadsheet imports and scripts read alike.
func (r *Report) CSV(w io.Writer, kind string) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if kind == "totals" {
		_ = cw.Write(totalsHeader())
		for _, t := range r.Totals {
			row := []string{t.Day, t.TSSID, t.ClientSerial, strconv.Itoa(t.Receipts)}
			for _, g := range t.Gross {
				row = append(row, dec(g))
			}
			_ = cw.Write(append(row, dec(t.Sum()), dec(t.Cash), dec(t.NonCash)))
		}
	} else {
		_ = cw.Write(receiptsHeader())
		for _, rc := range r.Receipts {
			row := []string{rc.Time.Format(time.RFC3339), rc.Organization, rc.TSSID, rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
			for _, g := range rc.Gross {
				row = append(row, dec(g))
			}
			_ = cw.Write(append(row, dec(rc.Cash), dec(rc.NonCash), strconv.FormatUint(rc.Counter, 10), rc.Signature))
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSX writes a workbook with the sheets "Summen" and "Belege"; amounts
// are numbers with a currency format, so sums in the sheet add up.
func (r *Report) XLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	write := func(sheet string, header []string, rows [][]any, moneyFrom, moneyTo int) error {
		for i, h := range header {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			_ = f.SetCellValue(sheet, cell, h)
			_ = f.SetCellStyle(sheet, cell, cell, bold)
		}
		for ri, row := range rows {
			for ci, v := range row {
				cell, _ := excelize.CoordinatesToCellName(ci+1, ri+2)
				if err := f.SetCellValue(sheet, cell, v); err != nil {
					return err
				}
				if ci >= moneyFrom && ci <= moneyTo {
					_ = f.SetCellStyle(sheet, cell, cell, money)
				}
			}
		}
		_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		return nil
	}
	eur := func(c int64) float64 { return float64(c) / 100 }
	var totals [][]any
	for _, t := range r.Totals {
		row := []any{t.Day, t.TSSID, t.ClientSerial, t.Receipts}
		for _, g := range t.Gross {
			row = append(row, eur(g))
		}
		totals = append(totals, append(row, eur(t.Sum()), eur(t.Cash), eur(t.NonCash)))
	}
	if err := f.SetSheetName("Sheet1", "Summen"); err != nil {
		return err
	}
	if err := write("Summen", totalsHeader(), totals, 4, 11); err != nil {
		return err
	}
	if _, err := f.NewSheet("Belege"); err != nil {
		return err
	}
	var receipts [][]any
	for _, rc := range r.Receipts {
		row := []any{rc.Time.Format(time.RFC3339), rc.Organization, rc.TSSID, rc.ClientSerial, rc.Number, rc.Type}
		for _, g := range rc.Gross {
			row = append(row, eur(g))
		}
		receipts = append(receipts, append(row, eur(rc.Cash), eur(rc.NonCash), rc.Counter, rc.Signature))
	}
	if err := write("Belege", receiptsHeader(), receipts, 6, 12); err != nil {
		return err
	}
	_, err := f.WriteTo(w)
	return err
}

// PDF writes a landscape A4 report: header with the organization's logo
// and address, the totals, the receipts, and page numbers.
func (r *Report) PDF(w io.Writer) error {
	p := fpdf.New("L", "mm", "A4", "")
	tr := p.UnicodeTranslatorFromDescriptor("") // cp1252: umlauts and €
	p.SetTitle("Transaktionsbericht", true)
	p.SetCreator("fiskaldesk", true)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.CellFormat(0, 8, tr(fmt.Sprintf("fiskaldesk · Transaktionsbericht %s – %s · Seite %d von {nb}", r.From, r.To, p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	o := r.Organization
	if len(r.Logo) > 0 && (r.LogoType == "image/png" || r.LogoType == "image/jpeg") {
		typ := map[string]string{"image/png": "PNG", "image/jpeg": "JPG"}[r.LogoType]
		info := p.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(r.Logo))
		if info != nil && info.Height() > 0 {
			// 18 mm high, at most 60 mm wide, flush with the right margin.
			h := 18.0
			wd := h * info.Width() / info.Height()
			if wd > 60 {
				wd, h = 60, 60*info.Height()/info.Width()
			}
			pw, _ := p.GetPageSize()
			_, _, right, _ := p.GetMargins()
			p.ImageOptions("logo", pw-right-wd, 10, wd, h, false, fpdf.ImageOptions{ImageType: typ}, 0, "")
		}
	}
	p.SetFont("Helvetica", "B", 16)
	p.CellFormat(0, 9, tr("Transaktionsbericht"), "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	for _, line := range []string{o.Name, o.AddressLine1, o.Zip + " " + o.Town, fmt.Sprintf("Zeitraum %s bis %s (UTC) · Umgebung %s · %d Belege", r.From, r.To, r.Env, len(r.Receipts))} {
		p.CellFormat(0, 5, tr(line), "", 1, "L", false, 0, "")
	}
	p.Ln(4)
	table := func(title string, header []string, widths []float64, rows [][]string, numeric func(col int) bool) {
		p.SetFont("Helvetica", "B", 12)
		p.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
		head := func() {
			p.SetFont("Helvetica", "B", 7.5)
			p.SetFillColor(230, 236, 245)
			for i, h := range header {
				p.CellFormat(widths[i], 6, tr(h), "1", 0, "C", true, 0, "")
			}
			p.Ln(-1)
			p.SetFont("Helvetica", "", 7.5)
		}
		head()
		for _, row := range rows {
			if p.GetY() > 185 {
				p.AddPage()
				head()
			}
			for i, c := range row {
				align := "L"
				if numeric(i) {
					align = "R"
				}
				p.CellFormat(widths[i], 5, tr(c), "1", 0, align, false, 0, "")
			}
			p.Ln(-1)
		}
		p.Ln(4)
	}
	var trow [][]string
	var grand Total
	for _, t := range r.Totals {
		row := []string{t.Day, t.TSSID[:8] + "…", t.ClientSerial, strconv.Itoa(t.Receipts)}
		for i, g := range t.Gross {
			row = append(row, Money(g))
			grand.Gross[i] += g
		}
		grand.Receipts += t.Receipts
		grand.Cash += t.Cash
		grand.NonCash += t.NonCash
		trow = append(trow, append(row, Money(t.Sum()), Money(t.Cash), Money(t.NonCash)))
	}
	sumRow := []string{"Summe", "", "", strconv.Itoa(grand.Receipts)}
	for _, g := range grand.Gross {
		sumRow = append(sumRow, Money(g))
	}
	trow = append(trow, append(sumRow, Money(grand.Sum()), Money(grand.Cash), Money(grand.NonCash)))
	table("Summen je Tag, TSS und Kasse (EUR)", totalsHeader(), []float64{22, 22, 30, 13, 21, 21, 21, 21, 21, 24, 24, 24}, trow, func(i int) bool { return i >= 3 })
	var rrows [][]string
	for _, rc := range r.Receipts {
		row := []string{rc.Time.Format("2006-01-02 15:04:05"), rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
		for _, g := range rc.Gross {
			row = append(row, Money(g))
		}
		rrows = append(rrows, append(row, Money(rc.Cash), Money(rc.NonCash), strconv.FormatUint(rc.Counter, 10), rc.Signature[:16]+"…"))
	}
	table("Belege", []string{"Zeit (UTC)", "Kasse (Client)", "TA-Nr", "Typ", "19 %", "7 %", "10,7 %", "5,5 %", "0 %", "Bar", "Unbar", "Sig.-Zähler", "Signatur"},
		[]float64{30, 28, 14, 22, 19, 19, 19, 19, 19, 20, 20, 18, 30}, rrows, func(i int) bool { return i == 2 || (i >= 4 && i <= 11) })
	return p.Output(w)
}
