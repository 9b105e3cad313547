package report

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // logos are PNG, JPEG or WebP (org.sniffLogo)
	"image/png"
	"strconv"
	"strings"

	_ "golang.org/x/image/webp"
)

// Languages a report is written in; German is the default, as the
// documents are for German tax audits and back offices.
const (
	LangDE = "de"
	LangEN = "en"
)

// texts are the words of a report in each language.
var texts = map[string]map[string]string{
	LangDE: {
		"title": "Transaktionsbericht", "file": "transaktionen", "totals": "Umsatz (Belege vom Typ Beleg) je Tag, TSS und Kasse",
		"other": "Sonstige Vorgänge (kein Umsatz, nicht in der Summe)", "receipts": "Vorgänge",
		"sheetTotals": "Summen", "sheetOther": "Sonstige Vorgänge", "sheetReceipts": "Belege", "day": "Tag", "tss": "TSS", "client": "Kasse (Client)",
		"count": "Belege", "countShort": "Anzahl", "gross": "Brutto", "grossTotal": "Brutto gesamt", "cash": "Bar", "noncash": "Unbar",
		"time": "Zeit (UTC)", "org": "Organisation", "number": "TA-Nr", "type": "Typ", "counter": "Signaturzähler", "counterShort": "Sig.-Zähler",
		"signature": "Signatur", "sumTurnover": "Summe Umsatz", "gaps": "Achtung, Stammdaten unvollständig:",
		"period": "Zeitraum %s bis %s (UTC) · Umgebung %s · %d Vorgänge", "footer": "fiskaldesk · Transaktionsbericht %s – %s · Seite %d von {nb}",
		"orgs": "mit %d verwalteten Organisationen",
	},
	LangEN: {
		"title": "Transaction report", "file": "transactions", "totals": "Turnover (receipts of type Beleg) per day, TSS and till",
		"other": "Other operations (no turnover, not in the total)", "receipts": "Operations",
		"sheetTotals": "Totals", "sheetOther": "Other operations", "sheetReceipts": "Receipts", "day": "Day", "tss": "TSS", "client": "Till (client)",
		"count": "Receipts", "countShort": "Count", "gross": "Gross", "grossTotal": "Gross total", "cash": "Cash", "noncash": "Non-cash",
		"time": "Time (UTC)", "org": "Organization", "number": "Tx no.", "type": "Type", "counter": "Signature counter", "counterShort": "Sig. counter",
		"signature": "Signature", "sumTurnover": "Total turnover", "gaps": "Attention, master data incomplete:",
		"period": "Period %s to %s (UTC) · environment %s · %d operations", "footer": "fiskaldesk · Transaction report %s – %s · page %d of {nb}",
		"orgs": "with %d managed organizations",
	},
}

// Lang returns l when reports are written in it, else German.
func Lang(l string) string {
	if _, ok := texts[strings.ToLower(l)]; ok {
		return strings.ToLower(l)
	}
	return LangDE
}

func (r *Report) text(k string) string { return texts[Lang(r.Lang)][k] }

// FileName is the report's file name without extension.
func (r *Report) FileName() string { return r.text("file") + "-" + r.From + "-" + r.To }

// Money writes cents as a German amount: 1.234,56.
func Money(c int64) string { return MoneyIn(LangDE, c) }

// MoneyIn writes cents as an amount in lang: 1.234,56 in German, 1,234.56 in English.
func MoneyIn(lang string, c int64) string {
	group, dec := ".", ","
	if Lang(lang) == LangEN {
		group, dec = ",", "."
	}
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	whole := strconv.FormatInt(c/100, 10)
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	return fmt.Sprintf("%s%s%s%02d", sign, b.String(), dec, c%100)
}

// PrintableLogo returns a logo as an 8-bit, non-interlaced PNG, the one
// image form every PDF writer takes: PDFs cannot embed WebP, and fpdf
// refuses interlaced and 16-bit PNGs, which an uploaded logo may well be.
// ok is false for bytes that do not decode (nothing is printed then).
func PrintableLogo(b []byte) (out []byte, ok bool) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, false
	}
	rgba := image.NewNRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgba); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
