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

func payHeader(currencies []string) []string {
	var h []string
	for _, c := range currencies {
		h = append(h, "Bar "+c, "Unbar "+c)
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

// totalsHeader: turnover (Beleg) per day, TSS and client; payments in
// one pair of columns per currency.
func (r *Report) totalsHeader() []string {
	h := []string{"Tag", "TSS", "Kasse (Client)", "Belege"}
	for _, v := range VATClasses {
		h = append(h, "Brutto "+v)
	}
	h = append(h, "Brutto gesamt")
	return append(h, payHeader(r.Currencies)...)
}

func (r *Report) receiptsHeader() []string {
	h := []string{"Zeit (UTC)", "Organisation", "TSS", "Kasse (Client)", "TA-Nr", "Typ"}
	for _, v := range VATClasses {
		h = append(h, "Brutto "+v)
	}
	h = append(h, payHeader(r.Currencies)...)
	return append(h, "Signaturzähler", "Signatur")
}

// abbrev cuts s to n bytes and marks the cut; a shorter s stays as it is.
// The ids and signatures it cuts are ASCII (UUIDs, base64).
func abbrev(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func dec(c int64) string { return strconv.FormatFloat(float64(c)/100, 'f', 2, 64) }

// CSV writes one table ("totals" or "receipts"): ';' separated, decimal
// point, UTF-8 — what spreadsheet imports and scripts read alike. The
// totals carry every type; the last column says which (only Beleg is
// turnover).
func (r *Report) CSV(w io.Writer, kind string) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if kind == "totals" {
		if err := cw.Write(append(r.totalsHeader(), "Typ")); err != nil {
			return err
		}
		for _, t := range r.Totals {
			row := []string{t.Day, t.TSSID, t.ClientSerial, strconv.Itoa(t.Receipts)}
			for _, g := range t.Gross {
				row = append(row, dec(g))
			}
			row = append(row, dec(t.Sum()))
			for _, p := range payValues(t.Payments, r.Currencies) {
				row = append(row, dec(p))
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
				row = append(row, dec(g))
			}
			for _, p := range payValues(rc.Payments, r.Currencies) {
				row = append(row, dec(p))
			}
			if err := cw.Write(append(row, strconv.FormatUint(rc.Counter, 10), rc.Signature)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSX writes a workbook with the sheets "Summen" (turnover: receipts of
// type Beleg), "Sonstige Vorgänge" (every other type, never turnover) and
// "Belege"; amounts are numbers with a number format, so sums in the
// sheet add up; each currency has its own columns.
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
		row := []any{t.Day, t.TSSID, t.ClientSerial, t.Receipts}
		for _, g := range t.Gross {
			row = append(row, num(g))
		}
		row = append(row, num(t.Sum()))
		for _, p := range payValues(t.Payments, r.Currencies) {
			row = append(row, num(p))
		}
		return row
	}
	lastMoney := 9 + 2*len(r.Currencies)
	var turnover [][]any
	for _, t := range r.TurnoverTotals() {
		turnover = append(turnover, totalRow(t))
	}
	if err := f.SetSheetName("Sheet1", "Summen"); err != nil {
		return err
	}
	if err := write("Summen", r.totalsHeader(), turnover, 4, lastMoney); err != nil {
		return err
	}
	var other [][]any
	for _, t := range r.Totals {
		if t.Type != Turnover {
			other = append(other, append(totalRow(t), t.Type))
		}
	}
	if _, err := f.NewSheet("Sonstige Vorgänge"); err != nil {
		return err
	}
	if err := write("Sonstige Vorgänge", append(r.totalsHeader(), "Typ"), other, 4, lastMoney); err != nil {
		return err
	}
	if _, err := f.NewSheet("Belege"); err != nil {
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
	if err := write("Belege", r.receiptsHeader(), receipts, 6, 10+2*len(r.Currencies)); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
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
	for _, line := range []string{o.Name, o.AddressLine1, o.Zip + " " + o.Town, fmt.Sprintf("Zeitraum %s bis %s (UTC) · Umgebung %s · %d Vorgänge", r.From, r.To, r.Env, len(r.Receipts))} {
		p.CellFormat(0, 5, tr(line), "", 1, "L", false, 0, "")
	}
	if len(r.Gaps) > 0 {
		// Placeholder master data is shown as such, never silently.
		p.SetTextColor(180, 30, 30)
		p.SetFont("Helvetica", "B", 9)
		p.MultiCell(0, 4.5, tr("Achtung, Stammdaten unvollständig: "+strings.Join(r.Gaps, "; ")+"."), "", "L", false)
		p.SetTextColor(0, 0, 0)
	}
	p.Ln(4)
	pw, _ := p.GetPageSize()
	left, _, right, _ := p.GetMargins()
	avail := pw - left - right
	// widths: fixed columns, the rest (amounts) share what is left.
	widths := func(fixed []float64, amounts int) []float64 {
		used := 0.0
		for _, w := range fixed {
			used += w
		}
		out := slices.Clone(fixed)
		for range amounts {
			out = append(out, (avail-used)/float64(amounts))
		}
		return out
	}
	table := func(title string, header []string, widths []float64, rows [][]string, numeric func(col int) bool) {
		p.SetFont("Helvetica", "B", 12)
		p.CellFormat(0, 8, tr(title), "", 1, "L", false, 0, "")
		head := func() {
			p.SetFont("Helvetica", "B", 7)
			p.SetFillColor(230, 236, 245)
			for i, h := range header {
				p.CellFormat(widths[i], 6, tr(h), "1", 0, "C", true, 0, "")
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
	amounts := func(t Total) []string {
		var out []string
		for _, g := range t.Gross {
			out = append(out, Money(g))
		}
		out = append(out, Money(t.Sum()))
		for _, v := range payValues(t.Payments, r.Currencies) {
			out = append(out, Money(v))
		}
		return out
	}
	nAmounts := 6 + 2*len(r.Currencies)
	var trow [][]string
	turnover := r.TurnoverTotals()
	for _, t := range turnover {
		trow = append(trow, append([]string{t.Day, abbrev(t.TSSID, 8), t.ClientSerial, strconv.Itoa(t.Receipts)}, amounts(t)...))
	}
	g := Grand(turnover)
	trow = append(trow, append([]string{"Summe Umsatz", "", "", strconv.Itoa(g.Receipts)}, amounts(g)...))
	table("Umsatz (Belege vom Typ Beleg) je Tag, TSS und Kasse", r.totalsHeader(), widths([]float64{22, 20, 28, 12}, nAmounts), trow, func(i int) bool { return i >= 3 })
	if other := r.OtherTotals(); len(other) > 0 {
		var orow [][]string
		for _, t := range other {
			orow = append(orow, append([]string{t.Type, strconv.Itoa(t.Receipts)}, amounts(t)...))
		}
		hdr := append([]string{"Typ", "Anzahl"}, r.totalsHeader()[4:]...)
		table("Sonstige Vorgänge (kein Umsatz, nicht in der Summe)", hdr, widths([]float64{40, 14}, nAmounts), orow, func(i int) bool { return i >= 1 })
	}
	var rrows [][]string
	for _, rc := range r.Receipts {
		row := []string{rc.Time.Format("2006-01-02 15:04:05"), rc.ClientSerial, strconv.FormatUint(rc.Number, 10), rc.Type}
		for _, g := range rc.Gross {
			row = append(row, Money(g))
		}
		for _, v := range payValues(rc.Payments, r.Currencies) {
			row = append(row, Money(v))
		}
		rrows = append(rrows, append(row, strconv.FormatUint(rc.Counter, 10), abbrev(rc.Signature, 16)))
	}
	rh := append([]string{"Zeit (UTC)", "Kasse (Client)", "TA-Nr", "Typ", "19 %", "7 %", "10,7 %", "5,5 %", "0 %"}, payHeader(r.Currencies)...)
	rh = append(rh, "Sig.-Zähler", "Signatur")
	rw := widths([]float64{28, 26, 12, 22}, 5+2*len(r.Currencies)+2)
	table("Vorgänge", rh, rw, rrows, func(i int) bool { return i == 2 || (i >= 4 && i < len(rh)-1) })
	return p.Output(w)
}
