package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"
)

func (r *Report) totalsHeader() []string {
	h := []string{r.text("day"), r.text("org"), r.text("tss"), r.text("client"), r.text("count")}
	for _, v := range VATClasses {
		h = append(h, r.text("gross")+" "+v)
	}
	return append(h, r.text("grossTotal"), r.text("cash"), r.text("noncash"))
}

func (r *Report) receiptsHeader() []string {
	h := []string{r.text("time"), r.text("org"), r.text("tss"), r.text("client"), r.text("number"), r.text("type")}
	for _, v := range VATClasses {
		h = append(h, r.text("gross")+" "+v)
	}
	return append(h, r.text("cash"), r.text("noncash"), r.text("counter"), r.text("signature"))
}

// csvAmount writes cents the way the CSV convention says: decimal comma,
// no thousands separator, two decimals ("1234,50", "-0,07").
func csvAmount(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d,%02d", sign, c/100, c%100)
}

// CSV writes one table ("totals" or "receipts") in the one CSV convention
// of fiskaldesk's reports (docs/exports.md › Reports): UTF-8 with a byte
// order mark, ';' between fields, CRLF line ends, quotes only where a
// field needs them, amounts in euros with a decimal comma and no
// thousands separator, days as YYYY-MM-DD and times as ISO 8601 in UTC.
// That is what German spreadsheet programs open as columns and numbers
// without an import dialog. Only the header row follows the language.
func (r *Report) CSV(w io.Writer, kind string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if kind == "totals" {
		_ = cw.Write(r.totalsHeader())
		for _, t := range r.Totals {
			row := []string{t.Day, t.Organization, t.TSSID, t.ClientSerial, strconv.Itoa(t.Receipts)}
			for _, g := range t.Gross {
				row = append(row, csvAmount(g))
			}
			_ = cw.Write(append(row, csvAmount(t.Sum()), csvAmount(t.Cash), csvAmount(t.NonCash)))
		}
	} else {
		_ = cw.Write(r.receiptsHeader())
		for _, rc := range r.Receipts {
			row := []string{rc.Time.Format(time.RFC3339), rc.Organization, rc.TSSID, rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
			for _, g := range rc.Gross {
				row = append(row, csvAmount(g))
			}
			_ = cw.Write(append(row, csvAmount(rc.Cash), csvAmount(rc.NonCash), strconv.FormatUint(rc.Counter, 10), rc.Signature))
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSX writes a workbook with a totals and a receipts sheet; amounts are
// numbers with a currency format, so sums in the sheet add up.
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
		row := []any{t.Day, t.Organization, t.TSSID, t.ClientSerial, t.Receipts}
		for _, g := range t.Gross {
			row = append(row, eur(g))
		}
		totals = append(totals, append(row, eur(t.Sum()), eur(t.Cash), eur(t.NonCash)))
	}
	sheetTotals, sheetReceipts := r.text("sheetTotals"), r.text("sheetReceipts")
	if err := f.SetSheetName("Sheet1", sheetTotals); err != nil {
		return err
	}
	if err := write(sheetTotals, r.totalsHeader(), totals, 5, 12); err != nil {
		return err
	}
	if _, err := f.NewSheet(sheetReceipts); err != nil {
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
	if err := write(sheetReceipts, r.receiptsHeader(), receipts, 6, 12); err != nil {
		return err
	}
	_, err := f.WriteTo(w)
	return err
}

// PDF writes a landscape A4 report: header with the organization's logo
// and address, the totals, the receipts, and page numbers. With managed
// organizations included, both tables name the organization of each row.
func (r *Report) PDF(w io.Writer) error {
	p := fpdf.New("L", "mm", "A4", "")
	tr := p.UnicodeTranslatorFromDescriptor("") // cp1252: umlauts and €
	money := func(c int64) string { return MoneyIn(r.Lang, c) }
	p.SetTitle(r.text("title"), true)
	p.SetCreator("fiskaldesk", true)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("Helvetica", "", 8)
		p.CellFormat(0, 8, tr(fmt.Sprintf(r.text("footer"), r.From, r.To, p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	o := r.Organization
	if logo, ok := PrintableLogo(r.Logo); ok {
		info := p.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(logo))
		if info != nil && info.Height() > 0 {
			// 18 mm high, at most 60 mm wide, flush with the right margin.
			h := 18.0
			wd := h * info.Width() / info.Height()
			if wd > 60 {
				wd, h = 60, 60*info.Height()/info.Width()
			}
			pw, _ := p.GetPageSize()
			_, _, right, _ := p.GetMargins()
			p.ImageOptions("logo", pw-right-wd, 10, wd, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		}
	}
	p.SetFont("Helvetica", "B", 16)
	p.CellFormat(0, 9, tr(r.text("title")), "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	name := o.Name
	if r.Managed > 0 {
		name += " " + fmt.Sprintf(r.text("orgs"), r.Managed)
	}
	for _, line := range []string{name, o.AddressLine1, o.Zip + " " + o.Town, fmt.Sprintf(r.text("period"), r.From, r.To, r.Env, len(r.Receipts))} {
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
				p.CellFormat(widths[i], 5, tr(fit(p, tr, c, widths[i])), "1", 0, align, false, 0, "")
			}
			p.Ln(-1)
		}
		p.Ln(4)
	}
	withOrg := r.Managed > 0
	// orgCol puts the organization first when the report spans several;
	// the other columns give up the width it needs.
	orgCol := func(org string, row []string) []string {
		if withOrg {
			return append([]string{org}, row...)
		}
		return row
	}
	var trow [][]string
	var grand Total
	for _, t := range r.Totals {
		row := []string{t.Day, t.TSSID[:8] + "…", t.ClientSerial, strconv.Itoa(t.Receipts)}
		for i, g := range t.Gross {
			row = append(row, money(g))
			grand.Gross[i] += g
		}
		grand.Receipts += t.Receipts
		grand.Cash += t.Cash
		grand.NonCash += t.NonCash
		trow = append(trow, orgCol(t.Organization, append(row, money(t.Sum()), money(t.Cash), money(t.NonCash))))
	}
	sumRow := []string{r.text("sum"), "", "", strconv.Itoa(grand.Receipts)}
	for _, g := range grand.Gross {
		sumRow = append(sumRow, money(g))
	}
	trow = append(trow, orgCol("", append(sumRow, money(grand.Sum()), money(grand.Cash), money(grand.NonCash))))
	th := []string{r.text("day"), r.text("tss"), r.text("client"), r.text("count")}
	for _, v := range VATClasses {
		th = append(th, r.text("gross")+" "+v)
	}
	th = append(th, r.text("grossTotal"), r.text("cash"), r.text("noncash"))
	tw := []float64{22, 22, 30, 13, 21, 21, 21, 21, 21, 24, 24, 24}
	firstNum := 3
	if withOrg {
		th = append([]string{r.text("org")}, th...)
		tw = []float64{40, 20, 18, 26, 12, 18, 18, 18, 18, 18, 20, 20, 20}
		firstNum = 4
	}
	table(r.text("totals"), th, tw, trow, func(i int) bool { return i >= firstNum })

	var rrows [][]string
	for _, rc := range r.Receipts {
		row := []string{rc.Time.Format("2006-01-02 15:04:05"), rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
		for _, g := range rc.Gross {
			row = append(row, money(g))
		}
		rrows = append(rrows, orgCol(rc.Organization, append(row, money(rc.Cash), money(rc.NonCash), strconv.FormatUint(rc.Counter, 10), rc.Signature[:16]+"…")))
	}
	rh := []string{r.text("time"), r.text("client"), r.text("number"), r.text("type"), "19 %", "7 %", "10,7 %", "5,5 %", "0 %", r.text("cash"), r.text("noncash"), r.text("counterShort"), r.text("signature")}
	rw := []float64{30, 28, 14, 22, 19, 19, 19, 19, 19, 20, 20, 18, 30}
	numeric := func(i int) bool { return i == 2 || (i >= 4 && i <= 11) }
	if withOrg {
		rh = append([]string{r.text("org")}, rh...)
		rw = []float64{36, 28, 22, 12, 18, 17, 17, 17, 17, 17, 18, 18, 16, 24}
		numeric = func(i int) bool { return i == 3 || (i >= 5 && i <= 12) }
	}
	table(r.text("receipts"), rh, rw, rrows, numeric)
	return p.Output(w)
}

// fit shortens s with "…" until it fits a cell of width mm at the current
// font, so a long organization or till name never runs into the next cell.
func fit(p *fpdf.Fpdf, tr func(string) string, s string, width float64) string {
	avail := width - 2*p.GetCellMargin()
	if p.GetStringWidth(tr(s)) <= avail {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && p.GetStringWidth(tr(string(r)+"…")) > avail {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}
