package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"
)

// payHeader names the payment columns: one pair (cash, non-cash) per
// currency.
func (r *Report) payHeader() []string {
	var h []string
	for _, c := range r.Currencies {
		h = append(h, r.text("cash")+" "+c, r.text("noncash")+" "+c)
	}
	return h
}

func payValues(p map[string]Pay, currencies []string) []int64 {
	var v []int64
	for _, c := range currencies {
		v = append(v, p[c].Cash, p[c].NonCash)
	}
	return v
}

// amountsHeader names the amounts of a total: gross per VAT class, gross
// total, then the payments per currency.
func (r *Report) amountsHeader() []string {
	var h []string
	for _, v := range VATClasses {
		h = append(h, r.text("gross")+" "+v)
	}
	h = append(h, r.text("grossTotal"))
	return append(h, r.payHeader()...)
}

// totalsHeader: totals per day, organization, TSS and client; payments in
// one pair of columns per currency.
func (r *Report) totalsHeader() []string {
	h := []string{r.text("day"), r.text("org"), r.text("tss"), r.text("client"), r.text("count")}
	return append(h, r.amountsHeader()...)
}

func (r *Report) receiptsHeader() []string {
	h := []string{r.text("time"), r.text("org"), r.text("tss"), r.text("client"), r.text("number"), r.text("type")}
	for _, v := range VATClasses {
		h = append(h, r.text("gross")+" "+v)
	}
	h = append(h, r.payHeader()...)
	return append(h, r.text("counter"), r.text("signature"))
}

// abbrev cuts s to n bytes and marks the cut; a shorter s stays as it is.
// The ids and signatures it cuts are ASCII (UUIDs, base64).
func abbrev(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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
// field needs them, amounts in the currency of their column with a
// decimal comma and no thousands separator, days as YYYY-MM-DD and times
// as ISO 8601 in UTC. That is what German spreadsheet programs open as
// columns and numbers without an import dialog. Only the header row
// follows the language. The totals carry every type; the last column says
// which (only Beleg is turnover).
func (r *Report) CSV(w io.Writer, kind string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if kind == "totals" {
		if err := cw.Write(append(r.totalsHeader(), r.text("type"))); err != nil {
			return err
		}
		for _, t := range r.Totals {
			row := []string{t.Day, t.Organization, t.TSSID, t.ClientSerial, strconv.Itoa(t.Receipts)}
			for _, g := range t.Gross {
				row = append(row, csvAmount(g))
			}
			row = append(row, csvAmount(t.Sum()))
			for _, p := range payValues(t.Payments, r.Currencies) {
				row = append(row, csvAmount(p))
			}
			if err := cw.Write(append(row, t.Type)); err != nil {
				return err
			}
		}
	} else {
		if err := cw.Write(r.receiptsHeader()); err != nil {
			return err
		}
		for _, rc := range r.Receipts {
			row := []string{rc.Time.Format(time.RFC3339), rc.Organization, rc.TSSID, rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
			for _, g := range rc.Gross {
				row = append(row, csvAmount(g))
			}
			for _, p := range payValues(rc.Payments, r.Currencies) {
				row = append(row, csvAmount(p))
			}
			if err := cw.Write(append(row, strconv.FormatUint(rc.Counter, 10), rc.Signature)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSX writes a workbook with a turnover sheet (receipts of type Beleg),
// one of every other type (never turnover) and one of the receipts, named
// in the report's language; amounts are numbers with a number format, so
// sums in the sheet add up; each currency has its own columns.
func (r *Report) XLSX(w io.Writer) (err error) {
	f := excelize.NewFile()
	defer func() { err = errors.Join(err, f.Close()) }()
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	set := func(sheet string, col, row int, v any, style int) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return err
		}
		if style == 0 {
			return nil
		}
		return f.SetCellStyle(sheet, cell, cell, style)
	}
	write := func(sheet string, header []string, rows [][]any, moneyFrom, moneyTo int) error {
		for i, h := range header {
			if err := set(sheet, i+1, 1, h, bold); err != nil {
				return err
			}
		}
		for ri, row := range rows {
			for ci, v := range row {
				style := 0
				if ci >= moneyFrom && ci <= moneyTo {
					style = money
				}
				if err := set(sheet, ci+1, ri+2, v, style); err != nil {
					return err
				}
			}
		}
		return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	num := func(c int64) float64 { return float64(c) / 100 }
	totalRow := func(t Total) []any {
		row := []any{t.Day, t.Organization, t.TSSID, t.ClientSerial, t.Receipts}
		for _, g := range t.Gross {
			row = append(row, num(g))
		}
		row = append(row, num(t.Sum()))
		for _, p := range payValues(t.Payments, r.Currencies) {
			row = append(row, num(p))
		}
		return row
	}
	lastMoney := 10 + 2*len(r.Currencies)
	var turnover [][]any
	for _, t := range r.TurnoverTotals() {
		turnover = append(turnover, totalRow(t))
	}
	sheetTotals, sheetOther, sheetReceipts := r.text("sheetTotals"), r.text("sheetOther"), r.text("sheetReceipts")
	if err := f.SetSheetName("Sheet1", sheetTotals); err != nil {
		return err
	}
	if err := write(sheetTotals, r.totalsHeader(), turnover, 5, lastMoney); err != nil {
		return err
	}
	var other [][]any
	for _, t := range r.Totals {
		if t.Type != Turnover {
			other = append(other, append(totalRow(t), t.Type))
		}
	}
	if _, err := f.NewSheet(sheetOther); err != nil {
		return err
	}
	if err := write(sheetOther, append(r.totalsHeader(), r.text("type")), other, 5, lastMoney); err != nil {
		return err
	}
	if _, err := f.NewSheet(sheetReceipts); err != nil {
		return err
	}
	var receipts [][]any
	for _, rc := range r.Receipts {
		row := []any{rc.Time.Format(time.RFC3339), rc.Organization, rc.TSSID, rc.ClientSerial, rc.Number, rc.Type}
		for _, g := range rc.Gross {
			row = append(row, num(g))
		}
		for _, p := range payValues(rc.Payments, r.Currencies) {
			row = append(row, num(p))
		}
		receipts = append(receipts, append(row, rc.Counter, rc.Signature))
	}
	if err := write(sheetReceipts, r.receiptsHeader(), receipts, 6, 10+2*len(r.Currencies)); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// PDF writes a landscape A4 report: header with the organization's logo
// and address, the turnover, the other types, the receipts, and page
// numbers. With managed organizations included, the turnover and receipt
// tables name the organization of each row.
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
	if len(r.Gaps) > 0 {
		// Placeholder master data is shown as such, never silently.
		p.SetTextColor(180, 30, 30)
		p.SetFont("Helvetica", "B", 9)
		p.MultiCell(0, 4.5, tr(r.text("gaps")+" "+strings.Join(r.Gaps, "; ")+"."), "", "L", false)
		p.SetTextColor(0, 0, 0)
	}
	p.Ln(4)
	pw, _ := p.GetPageSize()
	left, _, right, _ := p.GetMargins()
	avail := pw - left - right
	// widths: fixed columns, then the amounts sharing what is left, then
	// fixed columns at the end.
	widths := func(fixed []float64, amounts int, tail ...float64) []float64 {
		used := 0.0
		for _, w := range append(slices.Clone(fixed), tail...) {
			used += w
		}
		out := slices.Clone(fixed)
		for range amounts {
			out = append(out, (avail-used)/float64(amounts))
		}
		return append(out, tail...)
	}
	table := func(title string, header []string, widths []float64, rows [][]string, numeric func(col int) bool) {
		p.SetFont("Helvetica", "B", 12)
		p.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
		head := func() {
			p.SetFont("Helvetica", "B", 7)
			p.SetFillColor(230, 236, 245)
			for i, h := range header {
				// A header that does not fit is set smaller rather than cut
				// or run into its neighbour (many currencies, the
				// organization column).
				for size := 7.0; size > 5 && p.GetStringWidth(tr(h)) > widths[i]-2*p.GetCellMargin(); {
					size -= 0.5
					p.SetFontSize(size)
				}
				p.CellFormat(widths[i], 6, tr(h), "1", 0, "C", true, 0, "")
				p.SetFontSize(7)
			}
			p.Ln(-1)
			p.SetFont("Helvetica", "", 7)
		}
		head()
		for _, row := range rows {
			if p.GetY() > 185 {
				p.AddPage()
				head()
			}
			for i, c := range row {
				if numeric(i) {
					// A number is never cut: set smaller when the column is
					// narrow (many currencies, the organization column).
					for size := 7.0; size > 5 && p.GetStringWidth(tr(c)) > widths[i]-2*p.GetCellMargin(); {
						size -= 0.5
						p.SetFontSize(size)
					}
					p.CellFormat(widths[i], 5, tr(c), "1", 0, "R", false, 0, "")
					p.SetFontSize(7)
					continue
				}
				p.CellFormat(widths[i], 5, tr(fit(p, tr, c, widths[i])), "1", 0, "L", false, 0, "")
			}
			p.Ln(-1)
		}
		p.Ln(4)
	}
	withOrg := r.Managed > 0
	// orgCol puts the organization first when the report spans several;
	// the other fixed columns give up some of the width it needs.
	orgCol := func(org string, row []string) []string {
		if withOrg {
			return append([]string{org}, row...)
		}
		return row
	}
	amounts := func(t Total) []string {
		var out []string
		for _, g := range t.Gross {
			out = append(out, money(g))
		}
		out = append(out, money(t.Sum()))
		for _, v := range payValues(t.Payments, r.Currencies) {
			out = append(out, money(v))
		}
		return out
	}
	nAmounts := 6 + 2*len(r.Currencies)

	var trow [][]string
	turnover := r.TurnoverTotals()
	for _, t := range turnover {
		trow = append(trow, orgCol(t.Organization, append([]string{t.Day, abbrev(t.TSSID, 8), t.ClientSerial, strconv.Itoa(t.Receipts)}, amounts(t)...)))
	}
	g := Grand(turnover)
	trow = append(trow, orgCol("", append([]string{r.text("sumTurnover"), "", "", strconv.Itoa(g.Receipts)}, amounts(g)...)))
	th := append([]string{r.text("day"), r.text("tss"), r.text("client"), r.text("count")}, r.amountsHeader()...)
	tfixed, firstNum := []float64{22, 20, 28, 12}, 3
	if withOrg {
		th = append([]string{r.text("org")}, th...)
		tfixed, firstNum = []float64{36, 20, 18, 24, 10}, 4
	}
	table(r.text("totals"), th, widths(tfixed, nAmounts), trow, func(i int) bool { return i >= firstNum })

	if other := r.OtherTotals(); len(other) > 0 {
		var orow [][]string
		for _, t := range other {
			orow = append(orow, append([]string{t.Type, strconv.Itoa(t.Receipts)}, amounts(t)...))
		}
		hdr := append([]string{r.text("type"), r.text("countShort")}, r.amountsHeader()...)
		table(r.text("other"), hdr, widths([]float64{40, 14}, nAmounts), orow, func(i int) bool { return i >= 1 })
	}

	var rrows [][]string
	for _, rc := range r.Receipts {
		row := []string{rc.Time.Format("2006-01-02 15:04:05"), rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
		for _, g := range rc.Gross {
			row = append(row, money(g))
		}
		for _, v := range payValues(rc.Payments, r.Currencies) {
			row = append(row, money(v))
		}
		rrows = append(rrows, orgCol(rc.Organization, append(row, strconv.FormatUint(rc.Counter, 10), abbrev(rc.Signature, 16))))
	}
	rh := append([]string{r.text("time"), r.text("client"), r.text("number"), r.text("type")}, VATClasses...)
	rh = append(rh, r.payHeader()...)
	rh = append(rh, r.text("counterShort"), r.text("signature"))
	rfixed, numCol, firstAmount := []float64{28, 26, 12, 22}, 2, 4
	if withOrg {
		rh = append([]string{r.text("org")}, rh...)
		rfixed, numCol, firstAmount = []float64{34, 26, 22, 12, 20}, 3, 5
	}
	// The signature column is as wide as its 16 characters and the mark.
	table(r.text("receipts"), rh, widths(rfixed, 5+2*len(r.Currencies)+1, 30), rrows,
		func(i int) bool { return i == numCol || (i >= firstAmount && i < len(rh)-1) })
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
